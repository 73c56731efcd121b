package dev.ferry.operators.postgres;

/** A reader's position in a partition: the last ctid emitted and rows emitted so far. */
final class PartitionProgress {
    private final CtidPartition partition;
    private long lastPacked = CtidRow.NO_CTID;
    private Tid last;
    private long rows;

    PartitionProgress(CtidPartition partition) {
        this.partition = partition;
        this.last = partition.resumeAfter();
        this.rows = partition.rowsBefore();
    }

    /** Per row: keeps the packed tid, making a {@link Tid} only for a checkpoint. */
    void emitted(long ctid) {
        lastPacked = ctid;
        rows++;
    }

    CtidPartition partition() {
        return partition;
    }

    /** The partition as a checkpoint stores it: continued after the last emitted row. */
    CtidPartition toSplit() {
        if (lastPacked != CtidRow.NO_CTID) {
            last = Tid.unpack(lastPacked);
            lastPacked = CtidRow.NO_CTID;
        }
        return last == null ? partition.resumingAtStart() : partition.resumingAfter(last, rows);
    }
}
