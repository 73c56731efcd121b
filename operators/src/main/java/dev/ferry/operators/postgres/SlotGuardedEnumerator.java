package dev.ferry.operators.postgres;

import dev.ferry.operators.postgres.SlotManager.SlotInfo;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts Flink CDC's enumerator only once the pipe's slot exists and no other consumer holds it,
 * and keeps watching it. Flink CDC would otherwise create a missing slot itself (silently skipping
 * every change since the old one), or sit "running" with no data while another consumer streams.
 * A slot that disappears, is invalidated, or stays in use fails the job with the reason.
 */
final class SlotGuardedEnumerator<S extends SourceSplit, E> implements SplitEnumerator<S, SlotGuardState<E>> {
    private static final Logger LOG = LoggerFactory.getLogger(SlotGuardedEnumerator.class);
    private static final long CHECK_MILLIS = 2_000;
    private static final long WATCH_MILLIS = 5_000;
    /** A restarted job's old walsender can hold the slot until Postgres notices it is gone. */
    private static final long IN_USE_PATIENCE_MILLIS = 90_000;
    /** The initial load creates the slot; it may wait for running transactions first. */
    private static final long CREATION_PATIENCE_MILLIS = 30 * 60_000;

    private final SplitEnumeratorContext<S> context;
    private final SplitEnumerator<S, E> delegate;
    private final PostgresConnections connections;
    private final String slot;
    private final List<Runnable> beforeStart = new ArrayList<>();
    private boolean slotSeen;
    private volatile boolean started;
    private volatile long lastRead;
    private long waitingSince = -1;

    SlotGuardedEnumerator(SplitEnumeratorContext<S> context, SplitEnumerator<S, E> delegate,
            PostgresConnections connections, String slot, boolean slotSeen) {
        this.context = context;
        this.delegate = delegate;
        this.connections = connections;
        this.slot = slot;
        this.slotSeen = slotSeen;
    }

    @Override
    public void start() {
        context.callAsync(this::readSlot, this::check, 0, CHECK_MILLIS);
    }

    /** The slot, or null when it is not time to look again (once running, every WATCH_MILLIS). */
    private Optional<SlotInfo> readSlot() throws Exception {
        long now = System.currentTimeMillis();
        if (started && now - lastRead < WATCH_MILLIS) {
            return null;
        }
        lastRead = now;
        try (Connection conn = connections.open("slot-watch")) {
            return SlotManager.slot(conn, slot);
        }
    }

    private void check(Optional<SlotInfo> info, Throwable error) {
        if (started) {
            if (info != null || error != null) {
                watch(info, error);
            }
            return;
        }
        if (error != null) {
            throw new IllegalStateException("cannot read replication slot " + slot + " from " + connections.describe()
                    + ": " + error.getMessage(), error);
        }
        long now = System.currentTimeMillis();
        if (waitingSince < 0) {
            waitingSince = now;
        }
        if (info.isEmpty()) {
            if (slotSeen) {
                throw dropped(slot);
            }
            if (now - waitingSince > CREATION_PATIENCE_MILLIS) {
                throw new IllegalStateException("replication slot " + slot + " was not created within 30 minutes");
            }
            return;
        }
        SlotInfo s = info.get();
        slotSeen = true;
        if (s.lost()) {
            throw invalidated(slot);
        }
        if (s.active()) {
            if (now - waitingSince > IN_USE_PATIENCE_MILLIS) {
                throw new IllegalStateException("replication slot " + slot + " is in use by another consumer (pid "
                        + s.activePid() + ", " + s.activeClient() + "); a slot serves one pipe: stop the other consumer");
            }
            LOG.info("replication slot {} is still held by pid {}; waiting", slot, s.activePid());
            return;
        }
        started = true;
        LOG.info("replication slot {} ready (confirmed flush {}), starting the change stream", slot,
                org.postgresql.replication.LogSequenceNumber.valueOf(s.confirmedFlushLsn()));
        delegate.start();
        beforeStart.forEach(Runnable::run);
        beforeStart.clear();
    }

    private void watch(Optional<SlotInfo> info, Throwable error) {
        if (error != null) {
            LOG.warn("cannot read replication slot {}: {}", slot, error.getMessage());
            return;
        }
        if (info.isEmpty()) {
            throw dropped(slot);
        }
        if (info.get().lost()) {
            throw invalidated(slot);
        }
    }

    static IllegalStateException dropped(String slot) {
        return new IllegalStateException("replication slot " + slot + " was dropped; changes since then are lost:"
                + " resync the pipe");
    }

    static IllegalStateException invalidated(String slot) {
        return new IllegalStateException("replication slot " + slot + " was invalidated (wal_status lost): Postgres"
                + " removed WAL it still needed (max_slot_wal_keep_size); resync the pipe");
    }

    private void whenStarted(Runnable action) {
        if (started) {
            action.run();
        } else {
            beforeStart.add(action);
        }
    }

    @Override
    public void handleSplitRequest(int subtaskId, String requesterHostname) {
        whenStarted(() -> delegate.handleSplitRequest(subtaskId, requesterHostname));
    }

    @Override
    public void addSplitsBack(List<S> splits, int subtaskId) {
        whenStarted(() -> delegate.addSplitsBack(splits, subtaskId));
    }

    @Override
    public void addReader(int subtaskId) {
        whenStarted(() -> delegate.addReader(subtaskId));
    }

    @Override
    public void handleSourceEvent(int subtaskId, SourceEvent sourceEvent) {
        whenStarted(() -> delegate.handleSourceEvent(subtaskId, sourceEvent));
    }

    @Override
    public SlotGuardState<E> snapshotState(long checkpointId) throws Exception {
        return new SlotGuardState<>(delegate.snapshotState(checkpointId), slotSeen);
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        delegate.notifyCheckpointComplete(checkpointId);
    }

    @Override
    public void close() throws java.io.IOException {
        delegate.close();
    }
}
