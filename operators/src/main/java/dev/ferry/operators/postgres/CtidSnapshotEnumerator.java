package dev.ferry.operators.postgres;

import dev.ferry.operators.postgres.PostgresCatalog.SourceTable;
import dev.ferry.operators.postgres.SnapshotEvents.PartitionFinished;
import dev.ferry.operators.postgres.SnapshotEvents.SnapshotGrant;
import dev.ferry.operators.postgres.SnapshotEvents.SnapshotRequest;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plans tables into CTID partitions as they become active, hands partitions to readers, and holds
 * the exported snapshot the readers import.
 *
 * <p>At most {@code tablesInParallel} tables are active (planned, with partitions not finished) and
 * at most {@code parallelismPerTable} partitions of one table are out with readers at once, as in
 * ClickPipes. Planning and exporting do I/O, so they run off the coordinator thread.
 *
 * <p>Recovery follows Flink's split contract: a reader restores the partitions it held at the last
 * completed checkpoint (with their read position), and {@link #addSplitsBack} returns those handed
 * out after it, finished or not, since their rows may have been lost with the writer's buffer.
 */
final class CtidSnapshotEnumerator implements SplitEnumerator<CtidPartition, CtidEnumeratorState> {
    private static final Logger LOG = LoggerFactory.getLogger(CtidSnapshotEnumerator.class);

    private final SplitEnumeratorContext<CtidPartition> context;
    private final CtidSnapshotSource source;
    private final Map<String, SourceTable> tables = new HashMap<>();

    private final ArrayDeque<String> unplanned;
    private final List<CtidPartition> pending;
    private final Set<String> unfinished;
    private final Set<String> planning = new HashSet<>();
    private final Map<String, Integer> outWithReaders = new HashMap<>();
    private final LinkedHashSet<Integer> waitingForSplit = new LinkedHashSet<>();
    private final LinkedHashSet<Integer> waitingForSnapshot = new LinkedHashSet<>();

    private boolean exported;
    private boolean exporting;
    private ExportedSnapshot export;

    CtidSnapshotEnumerator(
            SplitEnumeratorContext<CtidPartition> context, CtidSnapshotSource source, CtidEnumeratorState state) {
        this.context = context;
        this.source = source;
        source.tables().forEach(t -> tables.put(t.spec().sourceId(), t));
        this.unplanned = new ArrayDeque<>(state.unplannedTables());
        this.pending = new ArrayList<>(state.pending());
        this.unfinished = new HashSet<>(state.unfinished());
        this.exported = state.exported();
        // Partitions unfinished but not pending were with readers at the checkpoint; readers restore them.
        Set<String> pendingIds = new HashSet<>();
        pending.forEach(p -> pendingIds.add(p.splitId()));
        for (String id : unfinished) {
            if (!pendingIds.contains(id)) {
                outWithReaders.merge(tableOf(id), 1, Integer::sum);
            }
        }
    }

    @Override
    public void start() {
        if (!unfinished.isEmpty() || !unplanned.isEmpty()) {
            LOG.info("initial load of pipe {}: {} tables to plan, {} partitions left ({} waiting)",
                    source.pipe(), unplanned.size(), unfinished.size(), pending.size());
        }
        planMore();
    }

    @Override
    public void handleSplitRequest(int subtaskId, String requesterHostname) {
        waitingForSplit.add(subtaskId);
        assign();
    }

    @Override
    public void addSplitsBack(List<CtidPartition> splits, int subtaskId) {
        for (CtidPartition p : splits) {
            if (!isPending(p.splitId())) {
                pending.add(0, p);
                if (!unfinished.add(p.splitId())) {
                    outWithReaders.merge(p.table(), -1, Integer::sum);
                }
                LOG.info("reading partition {} again: reader {} failed before a checkpoint covered it",
                        p.splitId(), subtaskId);
            }
        }
        assign();
    }

    @Override
    public void addReader(int subtaskId) {
        // Readers ask for work themselves.
    }

    @Override
    public void handleSourceEvent(int subtaskId, SourceEvent event) {
        if (event instanceof PartitionFinished f) {
            CtidPartition p = f.partition();
            if (unfinished.remove(p.splitId())) {
                outWithReaders.merge(p.table(), -1, Integer::sum);
                LOG.debug("partition {} finished by reader {}", p.splitId(), subtaskId);
            }
            if (!tableActive(p.table())) {
                LOG.info("initial load of {} read completely", p.table());
            }
            releaseExportIfDone();
            planMore();
            assign();
        } else if (event instanceof SnapshotRequest) {
            waitingForSnapshot.add(subtaskId);
            grantSnapshot();
        } else {
            throw new IllegalArgumentException("unexpected event " + event);
        }
    }

    @Override
    public CtidEnumeratorState snapshotState(long checkpointId) {
        return new CtidEnumeratorState(new ArrayList<>(unplanned), pending, unfinished, exported);
    }

    @Override
    public void close() {
        closeExport();
    }

    private void planMore() {
        while (!unplanned.isEmpty() && activeTables() < source.tablesInParallel()) {
            String table = unplanned.poll();
            planning.add(table);
            SourceTable t = tables.get(table);
            context.callAsync(() -> plan(t), (plan, error) -> {
                planning.remove(table);
                if (error != null) {
                    throw new IllegalStateException("cannot plan the initial load of " + table + ": " + error.getMessage(),
                            error);
                }
                LOG.info("planned {}: {} partitions ({}) in {} ms with {}", table, plan.partitions().size(),
                        plan.basis(), plan.planningMillis(), source.partitioning().name().toLowerCase());
                for (CtidPartition p : plan.partitions()) {
                    pending.add(p);
                    unfinished.add(p.splitId());
                }
                assign();
            });
        }
    }

    private CtidPartitionPlanner.Plan plan(SourceTable table) throws SQLException {
        try (Connection conn = source.connections().open("snapshot-planner")) {
            return CtidPartitionPlanner.plan(conn, table, source.partitioning(), source.rowsPerPartition());
        }
    }

    private void assign() {
        for (Iterator<Integer> it = waitingForSplit.iterator(); it.hasNext(); ) {
            int subtask = it.next();
            if (!context.registeredReaders().containsKey(subtask)) {
                it.remove();
                continue;
            }
            CtidPartition next = nextAssignable();
            if (next != null) {
                pending.remove(next);
                outWithReaders.merge(next.table(), 1, Integer::sum);
                context.assignSplit(next, subtask);
                it.remove();
            } else if (pending.isEmpty() && unplanned.isEmpty() && planning.isEmpty()) {
                context.signalNoMoreSplits(subtask);
                it.remove();
            } else {
                return; // work remains but is held back by the per-table limit or by planning
            }
        }
    }

    private CtidPartition nextAssignable() {
        for (CtidPartition p : pending) {
            if (outWithReaders.getOrDefault(p.table(), 0) < source.parallelismPerTable()) {
                return p;
            }
        }
        return null;
    }

    private int activeTables() {
        Set<String> active = new HashSet<>(planning);
        unfinished.forEach(id -> active.add(tableOf(id)));
        return active.size();
    }

    private boolean tableActive(String table) {
        return unfinished.stream().anyMatch(id -> tableOf(id).equals(table));
    }

    private void grantSnapshot() {
        if (export != null) {
            SnapshotGrant grant = new SnapshotGrant(export.id(), export.lsn());
            waitingForSnapshot.forEach(subtask -> context.sendEventToSourceReader(subtask, grant));
            waitingForSnapshot.clear();
            return;
        }
        if (exporting) {
            return;
        }
        exporting = true;
        boolean first = !exported;
        context.callAsync(() -> source.exporter().export(source.connections(), first), (exp, error) -> {
            exporting = false;
            if (error != null) {
                throw new IllegalStateException("cannot export the initial load's snapshot: " + error.getMessage(), error);
            }
            export = exp;
            exported = true;
            LOG.info("initial load of pipe {} reads snapshot {} (version {}){}", source.pipe(), exp.id(), exp.lsn(),
                    first ? "" : ", exported again after a restart");
            grantSnapshot();
        });
    }

    private boolean isPending(String splitId) {
        return pending.stream().anyMatch(q -> q.splitId().equals(splitId));
    }

    private void releaseExportIfDone() {
        if (unfinished.isEmpty() && unplanned.isEmpty() && planning.isEmpty()) {
            closeExport();
        }
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

    private static String tableOf(String splitId) {
        return splitId.substring(0, splitId.lastIndexOf('#'));
    }
}
