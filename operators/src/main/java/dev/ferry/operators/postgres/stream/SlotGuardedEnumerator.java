package dev.ferry.operators.postgres.stream;

import dev.ferry.operators.postgres.PostgresConnections;
import dev.ferry.operators.postgres.setup.SlotManager.SlotInfo;
import dev.ferry.operators.postgres.setup.SlotManager;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the change stream's enumerator only once the pipe's slot exists and no other consumer
 * holds it, and keeps watching it. A slot that disappears, is invalidated, or stays in use fails the
 * job with the reason.
 *
 * <p>A missing slot is either not created yet (a new pipe's initial load creates it) or dropped. To
 * tell them apart after any restore, the stream starts only once a completed checkpoint records that
 * the slot was seen: a restore to an earlier checkpoint then never follows a stream that already
 * ran, so "not seen" really means "not created yet".
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
    /** The slot was seen in a checkpoint that completed (or before this job began). */
    private boolean slotSeenDurably;
    private long firstCheckpointWithSlot = -1;
    private boolean ready;
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
        this.slotSeenDurably = slotSeen;
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
        if (!ready) {
            ready = true;
            LOG.info("replication slot {} ready (confirmed flush {}){}", slot,
                    org.postgresql.replication.LogSequenceNumber.valueOf(s.confirmedFlushLsn()),
                    slotSeenDurably ? "" : "; the change stream starts after the next checkpoint");
        }
        if (slotSeenDurably) {
            startStream();
        }
    }

    private void startStream() {
        started = true;
        LOG.info("starting the change stream from replication slot {}", slot);
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

    /** A dropped slot cannot heal by waiting: the job fails without restarts. */
    static SuppressRestartsException dropped(String slot) {
        return new SuppressRestartsException(new IllegalStateException("replication slot " + slot + " was dropped;"
                + " changes since then are lost: resync the pipe"));
    }

    static SuppressRestartsException invalidated(String slot) {
        return new SuppressRestartsException(new IllegalStateException("replication slot " + slot + " was invalidated"
                + " (wal_status lost): Postgres removed WAL it still needed (max_slot_wal_keep_size); resync the pipe"));
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
        if (slotSeen && firstCheckpointWithSlot < 0) {
            firstCheckpointWithSlot = checkpointId;
        }
        return new SlotGuardState<>(delegate.snapshotState(checkpointId), slotSeen);
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        delegate.notifyCheckpointComplete(checkpointId);
        if (!slotSeenDurably && firstCheckpointWithSlot >= 0 && checkpointId >= firstCheckpointWithSlot) {
            slotSeenDurably = true;
            if (ready && !started) {
                startStream();
            }
        }
    }

    @Override
    public void close() throws java.io.IOException {
        delegate.close();
    }
}
