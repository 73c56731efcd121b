package dev.ferry.operators.postgres.stream;

import dev.ferry.operators.postgres.PostgresConnections;
import dev.ferry.operators.postgres.setup.SlotManager.SlotInfo;
import dev.ferry.operators.postgres.setup.SlotManager;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.core.io.InputStatus;

/**
 * The change stream's reader, refusing to stream without the pipe's slot. A reader only gets its
 * split once the slot existed, so a slot missing when a split arrives (a restart) was dropped: the
 * pipe fails with that reason rather than retry a stream that can never start again.
 */
final class SlotGuardedReader<T, S extends SourceSplit> implements SourceReader<T, S> {
    private final SourceReader<T, S> delegate;
    private final PostgresConnections connections;
    private final String slot;

    SlotGuardedReader(SourceReader<T, S> delegate, PostgresConnections connections, String slot) {
        this.delegate = delegate;
        this.connections = connections;
        this.slot = slot;
    }

    @Override
    public void addSplits(List<S> splits) {
        Optional<SlotInfo> info;
        try (Connection conn = connections.open("slot-check")) {
            info = SlotManager.slot(conn, slot);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read replication slot " + slot + " from " + connections.describe()
                    + ": " + e.getMessage(), e);
        }
        if (info.isEmpty()) {
            throw SlotGuardedEnumerator.dropped(slot);
        }
        if (info.get().lost()) {
            throw SlotGuardedEnumerator.invalidated(slot);
        }
        delegate.addSplits(splits);
    }

    @Override
    public void start() {
        delegate.start();
    }

    @Override
    public InputStatus pollNext(ReaderOutput<T> output) throws Exception {
        return delegate.pollNext(output);
    }

    @Override
    public List<S> snapshotState(long checkpointId) {
        return delegate.snapshotState(checkpointId);
    }

    @Override
    public CompletableFuture<Void> isAvailable() {
        return delegate.isAvailable();
    }

    @Override
    public void notifyNoMoreSplits() {
        delegate.notifyNoMoreSplits();
    }

    @Override
    public void handleSourceEvents(SourceEvent sourceEvent) {
        delegate.handleSourceEvents(sourceEvent);
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        delegate.notifyCheckpointComplete(checkpointId);
    }

    @Override
    public void notifyCheckpointAborted(long checkpointId) throws Exception {
        delegate.notifyCheckpointAborted(checkpointId);
    }

    @Override
    public void pauseOrResumeSplits(java.util.Collection<String> pause, java.util.Collection<String> resume) {
        delegate.pauseOrResumeSplits(pause, resume);
    }

    @Override
    public void close() throws Exception {
        delegate.close();
    }
}
