package dev.ferry.operators.postgres.snapshot;

import dev.ferry.operators.load.LoadEnumeratorState;
import dev.ferry.operators.load.PartitionedLoadEnumerator;
import dev.ferry.operators.postgres.ExportedSnapshot;
import dev.ferry.operators.postgres.snapshot.SnapshotEvents.SnapshotGrant;
import dev.ferry.operators.postgres.snapshot.SnapshotEvents.SnapshotRequest;
import dev.ferry.operators.postgres.snapshot.SnapshotEvents.TableRewritten;
import java.sql.SQLException;
import java.util.LinkedHashSet;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Postgres initial load's enumerator: the generic scheduling of {@link PartitionedLoadEnumerator},
 * plus the exported snapshot every reader imports. The first export may create the pipe's slot
 * ({@link SnapshotExporter}); the snapshot is held open until every partition is finished. A reader
 * asking for it (at every reader start) gets it once it is known to be still importable. One that is
 * gone (Postgres restarted, its session ended) fails the job: other readers may still be reading
 * under it, and a restart of all of them is what lets the load go on under a new one (as after a
 * pause) without rows of the old one arriving afterwards. Whether the first export was made (and
 * the slot with it) is checkpointed as the load's point.
 *
 * <p>When the load goes on under another snapshot than the one it started a table under, the rows
 * already read and those still to read can disagree. With the change stream following, they meet
 * again through the stream's versions, as long as ctids still name the same rows; a reader that
 * finds a table's files replaced since its plan ({@link TableRewritten}) has the table read again
 * whole. Without a stream (snapshot-only pipes) nothing brings the changes in between, so every
 * table in progress is read again whole under the new snapshot, before any reader gets it; a keyless
 * one (only snapshot-only loads have them: the stream copies those of other pipes) rewritten under
 * the same snapshot restarts the job for a new one, since its rows are named by ctid and only rows of
 * an older snapshot can be told apart and deleted.
 */
final class CtidSnapshotEnumerator extends PartitionedLoadEnumerator<CtidPartition> {
    private static final Logger LOG = LoggerFactory.getLogger(CtidSnapshotEnumerator.class);

    private final CtidSnapshotSource source;
    private final LinkedHashSet<Integer> waitingForSnapshot = new LinkedHashSet<>();
    private boolean exporting;
    private ExportedSnapshot export;
    /** A new snapshot replaced the load's earlier one: snapshot-only loads start their tables in progress over. */
    private boolean newSnapshot;

    CtidSnapshotEnumerator(SplitEnumeratorContext<CtidPartition> context, CtidSnapshotSource source,
            LoadEnumeratorState<CtidPartition> state) {
        super(context, source.pipe(), source.planner(), source.parallelismPerTable(), source.tablesInParallel(), state);
        this.source = source;
    }

    @Override
    protected void handleOtherEvent(int subtaskId, SourceEvent event) {
        if (event instanceof SnapshotRequest) {
            waitingForSnapshot.add(subtaskId);
            checkSnapshot();
        } else if (event instanceof TableRewritten r) {
            if (r.pass() != passOf(r.table())) {
                return; // another reader's news of the same rewrite
            }
            String why = "its files were replaced since it was planned (VACUUM FULL, CLUSTER or a rewriting"
                    + " ALTER TABLE), which gives its rows new ctids";
            if (source.tablesById().get(r.table()).positionKeyed()) {
                // Its rows are named by ctid: those already written under old names must go, which only a
                // new snapshot's restart of the table does (under the same snapshot they cannot be told apart).
                closeExport();
                throw new IllegalStateException(r.table() + ": " + why + "; the load restarts under a new snapshot");
            }
            readAgain(r.table(), export == null ? 0 : export.lsn(), why);
        } else {
            super.handleOtherEvent(subtaskId, event);
        }
    }

    @Override
    protected void onConfirmed() {
        grantSnapshot();
    }

    @Override
    protected void onLoadDone() {
        closeExport();
    }

    @Override
    public void close() {
        closeExport();
    }

    /** Exports the snapshot if there is none, or makes sure the one held is still importable; then grants it. */
    private void checkSnapshot() {
        if (exporting) {
            return; // the waiting reader is granted when the export in progress is done
        }
        exporting = true;
        ExportedSnapshot held = export;
        boolean first = point() == null;
        context.callAsync(() -> {
            if (held == null) {
                return source.exporter().export(source.connections(), first);
            }
            if (!held.importable(source.connections())) {
                throw new IllegalStateException("snapshot " + held.id() + " is gone (Postgres restarted, or its session"
                        + " ended); the load restarts to go on under a new one");
            }
            return held;
        }, (exp, error) -> {
            exporting = false;
            if (error != null) {
                throw new IllegalStateException("initial load of pipe " + pipe + ": " + error.getMessage(), error);
            }
            if (held == null) {
                export = exp;
                if (first) {
                    markPointTaken(exp.xids().toString());
                } else {
                    newSnapshot = true;
                }
                LOG.info("initial load of pipe {} reads snapshot {} (version {}){}", pipe, exp.id(), exp.lsn(),
                        first ? "" : ", exported again after a restart");
            }
            grantSnapshot();
        });
    }

    private void grantSnapshot() {
        if (export == null || waitingForSnapshot.isEmpty() || !confirmed()) {
            return; // until every reader has said which partitions it holds: the tables in progress depend on it
        }
        if (newSnapshot) {
            newSnapshot = false;
            if (!source.exporter().changesFollow()) {
                for (String table : tablesInProgress()) {
                    readAgain(table, export.lsn(), "the load continues under a new snapshot, and without a change"
                            + " stream rows changed since the old one would be missed or kept");
                }
            }
        }
        SnapshotGrant grant = new SnapshotGrant(export.id(), export.lsn(), startedOver());
        waitingForSnapshot.forEach(subtask -> context.sendEventToSourceReader(subtask, grant));
        waitingForSnapshot.clear();
    }

    private void closeExport() {
        if (export != null) {
            try {
                export.close();
            } catch (SQLException e) {
                LOG.warn("closing the exported snapshot failed: {}", e.getMessage());
            }
            export = null;
        }
    }
}
