package dev.ferry.operators.load;

import java.util.ArrayDeque;
import org.apache.flink.connector.base.source.reader.splitreader.SplitReader;
import org.apache.flink.connector.base.source.reader.splitreader.SplitsAddition;
import org.apache.flink.connector.base.source.reader.splitreader.SplitsChange;

/**
 * What every initial-load split reader shares: the partitions handed to it, read one after another,
 * and the wake-up flag that makes a {@code fetch} return early.
 *
 * @param <E> what the reader produces (a record with its position)
 * @param <P> a partition
 */
public abstract class PartitionSplitReader<E, P extends LoadPartition> implements SplitReader<E, P> {
    private final ArrayDeque<P> queue = new ArrayDeque<>();
    private volatile boolean wakeUp;

    /** Whether a partition waits to be read. */
    protected boolean hasPartition() {
        return !queue.isEmpty();
    }

    /** The next partition to read, or null when none is waiting. */
    protected P nextPartition() {
        return queue.poll();
    }

    /** Whether {@code fetch} was asked to return; cleared at the start of each fetch by {@link #startFetch}. */
    protected boolean wokenUp() {
        return wakeUp;
    }

    protected void startFetch() {
        wakeUp = false;
    }

    @Override
    public void handleSplitsChanges(SplitsChange<P> change) {
        if (!(change instanceof SplitsAddition)) {
            throw new UnsupportedOperationException("unsupported split change " + change);
        }
        queue.addAll(change.splits());
    }

    @Override
    public void wakeUp() {
        wakeUp = true;
    }
}
