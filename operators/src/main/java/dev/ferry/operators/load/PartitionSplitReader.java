package dev.ferry.operators.load;

import dev.ferry.state.record.ChangeRecord;
import dev.ferry.state.record.SnapshotUnitDone;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.connector.base.source.reader.RecordsBySplits;
import org.apache.flink.connector.base.source.reader.RecordsWithSplitIds;
import org.apache.flink.connector.base.source.reader.splitreader.SplitReader;
import org.apache.flink.connector.base.source.reader.splitreader.SplitsAddition;
import org.apache.flink.connector.base.source.reader.splitreader.SplitsChange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every initial-load split reader shares: the partitions handed to it, read one after another
 * on the fetcher thread, a bounded number of rows per {@code fetch} (which returns early when woken
 * up), and after a partition's last row a {@link SnapshotUnitDone} marker. A source opens a
 * partition, reads its next row and closes it.
 *
 * @param <E> what the reader produces (a record with its position)
 * @param <P> a partition
 */
public abstract class PartitionSplitReader<E, P extends LoadPartition> implements SplitReader<E, P> {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionSplitReader.class);
    private static final int ROWS_PER_FETCH = 2_000;

    private final ArrayDeque<P> queue = new ArrayDeque<>();
    private volatile boolean wakeUp;
    private P current;
    private long rowsRead;

    /**
     * Whether the next partition can be opened now; a source that waits for something first (a
     * snapshot to import) waits here, returning false when {@link #wokenUp}.
     */
    protected boolean readyToOpen() throws Exception {
        return true;
    }

    /**
     * Starts reading {@code partition}; false when it is finished without reading it. Records for the
     * partition that come before its rows (announcements) go to {@code batch}.
     */
    protected abstract boolean open(P partition, RecordsBySplits.Builder<E> batch) throws Exception;

    /** The current partition's next row, or null after its last. */
    protected abstract E nextRow() throws Exception;

    /** Releases what reading the current partition holds (its cursor), when it is finished. */
    protected abstract void closePartition() throws Exception;

    /** A marker, as the reader's element type. */
    protected abstract E marker(ChangeRecord marker);

    /** Where the rows come from, for a failure's message (" from ..."); empty if the partition says it. */
    protected String from() {
        return "";
    }

    /** Whether {@code fetch} was asked to return. */
    protected final boolean wokenUp() {
        return wakeUp;
    }

    /** The partition being read; null between partitions. */
    protected final P current() {
        return current;
    }

    @Override
    public final RecordsWithSplitIds<E> fetch() throws IOException {
        wakeUp = false;
        RecordsBySplits.Builder<E> batch = new RecordsBySplits.Builder<>();
        try {
            if (current == null) {
                if (queue.isEmpty() || !readyToOpen()) {
                    return batch.build();
                }
                P next = queue.poll();
                if (!open(next, batch)) {
                    batch.addFinishedSplit(next.splitId());
                    return batch.build();
                }
                current = next;
                rowsRead = next.rowsBefore();
            }
            String splitId = current.splitId();
            // Handed to the batch at once (which keeps the list): a per-row add looks the split up each time.
            List<E> read = new ArrayList<>(ROWS_PER_FETCH + 1);
            boolean finished = false;
            while (read.size() < ROWS_PER_FETCH && !wakeUp) {
                E row = nextRow();
                if (row == null) {
                    read.add(marker(ChangeRecord.marker(current.table(),
                            new SnapshotUnitDone(splitId, current.index(), current.count(), rowsRead))));
                    LOG.debug("read partition {} {}: {} rows", splitId, current.describeRange(), rowsRead);
                    closePartition();
                    current = null;
                    finished = true;
                    break;
                }
                read.add(row);
                rowsRead++;
            }
            if (!read.isEmpty()) {
                batch.addAll(splitId, read);
            }
            if (finished) {
                batch.addFinishedSplit(splitId);
            }
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("initial load of " + (current == null ? "?" : current.splitId() + " "
                    + current.describeRange()) + from() + " failed: " + e.getMessage(), e);
        }
        return batch.build();
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
