package dev.ferry.jobs.mongo;

import dev.ferry.state.schema.TableSchema;
import java.io.Serializable;
import java.util.List;
import org.bson.BsonTimestamp;

/**
 * What Setup hands a MongoDB pipe's job: each collection's destination table, and the cluster time
 * (as a BSON timestamp's 64-bit value) taken before this run's initial load, where new change streams
 * start. Streams restored from a savepoint resume from their own tokens instead.
 */
public record MongoPipeStart(List<TableSchema> collections, long startAt) implements Serializable {

    public MongoPipeStart {
        collections = List.copyOf(collections);
    }

    public BsonTimestamp startTime() {
        return new BsonTimestamp(startAt);
    }

    public List<String> collectionIds() {
        return collections.stream().map(TableSchema::sourceId).toList();
    }
}
