package dev.ferry.operators.mongo;

import dev.ferry.operators.load.PartitionProgress;
import org.bson.BsonValue;

/** A reader's position in a partition: the last {@code _id} emitted. */
final class MongoPartitionProgress extends PartitionProgress<MongoIdPartition> {
    private BsonValue last;

    MongoPartitionProgress(MongoIdPartition partition) {
        super(partition);
        this.last = partition.resumeAfter();
    }

    void emitted(BsonValue id) {
        last = id;
        counted();
    }

    @Override
    public MongoIdPartition toSplit() {
        return last == null ? partition() : partition().resumingAfter(last, rows());
    }
}
