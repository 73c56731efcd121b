package dev.ferry.operators.postgres.snapshot;

import dev.ferry.operators.load.PartitionProgress;

/** A reader's position in a partition: the last ctid emitted. */
final class CtidPartitionProgress extends PartitionProgress<CtidPartition> {
    private long lastPacked = CtidRow.NO_CTID;
    private Tid last;

    CtidPartitionProgress(CtidPartition partition) {
        super(partition);
        this.last = partition.resumeAfter();
    }

    /** Per row: keeps the packed tid, making a {@link Tid} only for a checkpoint. */
    void emitted(long ctid) {
        lastPacked = ctid;
        counted();
    }

    @Override
    public CtidPartition toSplit() {
        if (lastPacked != CtidRow.NO_CTID) {
            last = Tid.unpack(lastPacked);
            lastPacked = CtidRow.NO_CTID;
        }
        return last == null ? partition().resumingAtStart() : partition().resumingAfter(last, rows());
    }
}
