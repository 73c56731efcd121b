package dev.ferry.operators.postgres;

import dev.ferry.operators.load.LoadEnumeratorState;
import dev.ferry.operators.load.PartitionedLoadEnumerator;
import dev.ferry.operators.postgres.SnapshotEvents.SnapshotGrant;
import dev.ferry.operators.postgres.SnapshotEvents.SnapshotRequest;
import java.sql.SQLException;
import java.util.LinkedHashSet;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Postgres initial load's enumerator: the generic scheduling of {@link PartitionedLoadEnumerator},
 * plus the exported snapshot every reader imports. The first export may create the pipe's slot
 * ({@link SnapshotExporter}); the snapshot is held open until every partition is finished, and
 * exported again (off the coordinator thread) if a reader asks after that. The first snapshot's
 * transactions are checkpointed and sent with every grant, so rows read under a later one can be
 * told apart (see {@link CtidPartitionReader}).
 */
final class CtidSnapshotEnumerator extends PartitionedLoadEnumerator<CtidPartition> {
    private static final Logger LOG = LoggerFactory.getLogger(CtidSnapshotEnumerator.class);

    private final CtidSnapshotSource source;
    private final LinkedHashSet<Integer> waitingForSnapshot = new LinkedHashSet<>();
    private boolean exporting;
    private ExportedSnapshot export;

    CtidSnapshotEnumerator(SplitEnumeratorContext<CtidPartition> context, CtidSnapshotSource source,
            LoadEnumeratorState<CtidPartition> state) {
        super(context, source.pipe(), source.planner(), source.parallelismPerTable(), source.tablesInParallel(), state);
        this.source = source;
    }

    @Override
    protected void handleOtherEvent(int subtaskId, SourceEvent event) {
        if (event instanceof SnapshotRequest) {
            waitingForSnapshot.add(subtaskId);
            grantSnapshot();
        } else {
            super.handleOtherEvent(subtaskId, event);
        }
    }

    @Override
    protected void onLoadDone() {
        closeExport();
    }

    @Override
    public void close() {
        closeExport();
    }

    private void grantSnapshot() {
        if (export != null) {
            SnapshotGrant grant = new SnapshotGrant(export.id(), export.lsn(), point());
            waitingForSnapshot.forEach(subtask -> context.sendEventToSourceReader(subtask, grant));
            waitingForSnapshot.clear();
            return;
        }
        if (exporting) {
            return;
        }
        exporting = true;
        boolean first = point() == null;
        context.callAsync(() -> source.exporter().export(source.connections(), first), (exp, error) -> {
            exporting = false;
            if (error != null) {
                throw new IllegalStateException("cannot export the initial load's snapshot: " + error.getMessage(), error);
            }
            export = exp;
            if (first) {
                markPointTaken(exp.xids().toString());
            }
            LOG.info("initial load of pipe {} reads snapshot {} (version {}){}", pipe, exp.id(), exp.lsn(),
                    first ? "" : ", exported again after a restart");
            grantSnapshot();
        });
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
