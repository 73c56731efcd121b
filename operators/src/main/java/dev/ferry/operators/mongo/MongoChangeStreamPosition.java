package dev.ferry.operators.mongo;

import dev.ferry.operators.source.PositionedSourceReader;
import org.bson.BsonDocument;

/** A collection's stream position as the reader emits events: the split state checkpoints take. */
final class MongoChangeStreamPosition implements PositionedSourceReader.Position<MongoChangeStreamSplit> {
    private final MongoChangeStreamSplit split;
    private BsonDocument resumeToken;
    private long lastClusterTime;
    private int ordinal;

    MongoChangeStreamPosition(MongoChangeStreamSplit split) {
        this.split = split;
        this.resumeToken = split.resumeToken();
        this.lastClusterTime = split.lastClusterTime();
        this.ordinal = split.ordinal();
    }

    /** After an event was emitted (or the stream moved past events that write nothing). */
    void advance(MongoChangeEvent event) {
        resumeToken = event.resumeToken();
        lastClusterTime = event.clusterTime();
        ordinal = event.ordinal();
    }

    @Override
    public MongoChangeStreamSplit toSplit() {
        return new MongoChangeStreamSplit(split.collection(), split.startAt(), resumeToken, lastClusterTime, ordinal);
    }
}
