package dev.ferry.operators.load;

import dev.ferry.operators.source.PositionedSourceReader;

/**
 * A reader's position in a partition: the partition as planned and the rows emitted from it so far;
 * a source adds where the last of them was. A checkpoint stores it as {@link #toSplit}.
 *
 * @param <P> the source's partition
 */
public abstract class PartitionProgress<P extends LoadPartition> implements PositionedSourceReader.Position<P> {
    private final P partition;
    private long rows;

    protected PartitionProgress(P partition) {
        this.partition = partition;
        this.rows = partition.rowsBefore();
    }

    /** The partition as planned (or as restored). */
    public final P partition() {
        return partition;
    }

    /** Rows of the partition emitted, those before a restore included. */
    protected final long rows() {
        return rows;
    }

    /** One more row emitted. */
    protected final void counted() {
        rows++;
    }

    /** The partition as a checkpoint stores it: continued after the last emitted row. */
    @Override
    public abstract P toSplit();
}
