package dev.ferry.operators.postgres;

/** A reader's position in a partition: the last ctid emitted and rows emitted so far. */
final class PartitionProgress {
    private final CtidPartition partition;
    private Tid last;
    private long rows;

    PartitionProgress(CtidPartition partition) {
        this.partition = partition;
        this.last = partition.resumeAfter();
        this.rows = partition.rowsBefore();
    }

    void emitted(Tid ctid) {
        last = ctid;
        rows++;
    }

    CtidPartition partition() {
        return partition;
    }

    /** The partition as a checkpoint stores it: continued after the last emitted row. */
    CtidPartition toSplit() {
        return last == null ? partition.resumingAtStart() : partition.resumingAfter(last, rows);
    }
}
