package dev.ferry.operators.mongo;

import org.bson.BsonValue;

/** A reader's position in a partition: the last {@code _id} emitted and documents emitted so far. */
final class MongoPartitionProgress {
    private final MongoIdPartition partition;
    private BsonValue last;
    private long rows;

    MongoPartitionProgress(MongoIdPartition partition) {
        this.partition = partition;
        this.last = partition.resumeAfter();
        this.rows = partition.rowsBefore();
    }

    void emitted(BsonValue id) {
        last = id;
        rows++;
    }

    MongoIdPartition partition() {
        return partition;
    }

    /** The partition as a checkpoint stores it: continued after the last emitted document. */
    MongoIdPartition toSplit() {
        return last == null ? partition : partition.resumingAfter(last, rows);
    }
}
