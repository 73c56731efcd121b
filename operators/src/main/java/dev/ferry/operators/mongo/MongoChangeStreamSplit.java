package dev.ferry.operators.mongo;

import java.util.Objects;
import org.apache.flink.api.connector.source.SourceSplit;
import org.bson.BsonDocument;

/**
 * The change stream of one collection, as a checkpoint holds it: where it started ({@code startAt},
 * a cluster time taken before the initial load began), the resume token of the last event emitted
 * (null until there is one), and that event's cluster time and ordinal ({@link MongoVersions}), so a
 * stream resumed from the token numbers the rest of a transaction as the first run did.
 */
public record MongoChangeStreamSplit(String collection, long startAt, BsonDocument resumeToken, long lastClusterTime,
        int ordinal) implements SourceSplit {

    public MongoChangeStreamSplit {
        Objects.requireNonNull(collection, "collection");
    }

    /** A stream that has not read anything: it starts at {@code startAt}, inclusive. */
    public static MongoChangeStreamSplit startingAt(String collection, long startAt) {
        return new MongoChangeStreamSplit(collection, startAt, null, 0, 0);
    }

    @Override
    public String splitId() {
        return collection;
    }
}
