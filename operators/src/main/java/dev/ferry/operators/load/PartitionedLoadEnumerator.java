package dev.ferry.operators.load;

import dev.ferry.operators.load.LoadEvents.PartitionFinished;
import dev.ferry.operators.load.LoadEvents.PartitionsHeld;
import dev.ferry.state.record.SnapshotUnitDone;
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
 * Schedules an initial load: plans tables into partitions as they become active and hands
 * partitions to readers. At most {@code tablesInParallel} tables are active (planned, with
 * partitions not finished) and at most {@code parallelismPerTable} partitions of one table are out
 * with readers at once, as in ClickPipes. Planning does I/O, so it runs off the coordinator thread.
 *
 * <p>Recovery follows Flink's split contract: a reader restores the partitions it held at the last
 * completed checkpoint (with its position in them), and {@link #addSplitsBack} returns those handed
 * out after it, finished or not, since their rows may have been lost with the writer's buffer.
 * Restored from a checkpoint, the enumerator does not know which of the partitions it had handed out
 * are still with readers: a reader may have finished one between the enumerator's snapshot and its
 * own (its rows are then in the checkpoint, its PartitionFinished event is not). So it hands out
 * nothing until every reader has said which partitions it restored ({@link PartitionsHeld}); the
 * others were finished.
 *
 * <p>A table's load can start over ({@link #readAgain}): it is planned again under a new pass
 * number, so the new partitions' ids differ from those of the old plan still with readers (which a
 * source must then skip), and the old plan's partitions not handed out are dropped.
 * Source-specific events go to {@link #handleOtherEvent}.
 */
public class PartitionedLoadEnumerator<P extends LoadPartition> implements SplitEnumerator<P, LoadEnumeratorState<P>> {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionedLoadEnumerator.class);

    protected final SplitEnumeratorContext<P> context;
    protected final String pipe;
    private final LoadPlanner<P> planner;
    private final int parallelismPerTable;
    private final int tablesInParallel;

    private final ArrayDeque<String> unplanned;
    private final List<P> pending;
    private final Set<String> unfinished;
    private final Set<String> planning = new HashSet<>();
    private final Map<String, Integer> outWithReaders = new HashMap<>();
    private final LinkedHashSet<Integer> waitingForSplit = new LinkedHashSet<>();
    /** Handed out before the checkpoint this enumerator was restored from; not yet claimed by a reader. */
    private final Set<String> unconfirmed = new HashSet<>();
    private final Set<Integer> reported = new HashSet<>();
    /** Tables whose load started over, with their current plan; others are in pass 0. */
    private final Map<String, StartedOver> startedOver;
    private String point;

    public PartitionedLoadEnumerator(SplitEnumeratorContext<P> context, String pipe, LoadPlanner<P> planner,
            int parallelismPerTable, int tablesInParallel, LoadEnumeratorState<P> state) {
        this.context = context;
        this.pipe = pipe;
        this.planner = planner;
        this.parallelismPerTable = parallelismPerTable;
        this.tablesInParallel = tablesInParallel;
        this.unplanned = new ArrayDeque<>(state.unplannedTables());
        this.pending = new ArrayList<>(state.pending());
        this.unfinished = new HashSet<>(state.unfinished());
        this.point = state.point();
        this.startedOver = new HashMap<>(state.startedOver());
        unconfirmed.addAll(unfinished);
        pending.forEach(p -> unconfirmed.remove(p.splitId()));
    }

    @Override
    public void start() {
        if (!unfinished.isEmpty() || !unplanned.isEmpty()) {
            LOG.info("initial load of pipe {}: {} tables to plan, {} partitions left ({} waiting)", pipe,
                    unplanned.size(), unfinished.size(), pending.size());
        }
        planMore();
    }

    @Override
    public void handleSplitRequest(int subtaskId, String requesterHostname) {
        waitingForSplit.add(subtaskId);
        assign();
    }

    @Override
    public void addSplitsBack(List<P> splits, int subtaskId) {
        for (P p : splits) {
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
    @SuppressWarnings("unchecked")
    public final void handleSourceEvent(int subtaskId, SourceEvent event) {
        if (event instanceof PartitionFinished<?> f) {
            P p = (P) f.partition();
            if (unfinished.remove(p.splitId())) {
                outWithReaders.merge(p.table(), -1, Integer::sum);
                LOG.debug("partition {} finished by reader {}", p.splitId(), subtaskId);
            }
            if (!tableActive(p.table()) && !planning.contains(p.table()) && !unplanned.contains(p.table())) {
                LOG.info("initial load of {} read completely", p.table());
            }
            if (done()) {
                onLoadDone();
            }
            planMore();
            assign();
        } else if (event instanceof PartitionsHeld held) {
            confirmHeld(subtaskId, held.splitIds());
        } else {
            handleOtherEvent(subtaskId, event);
        }
    }

    /**
     * A reader's restored partitions count toward their table's limit; once every reader has
     * reported, the handed-out partitions none holds were finished before the checkpoint.
     */
    private void confirmHeld(int subtaskId, List<String> held) {
        if (unconfirmed.isEmpty()) {
            return; // a fresh load, or confirmed already (a reader restarted alone keeps its count)
        }
        reported.add(subtaskId);
        for (String id : held) {
            if (unconfirmed.remove(id)) {
                outWithReaders.merge(tableOf(id), 1, Integer::sum);
            }
        }
        if (reported.size() < context.currentParallelism()) {
            return;
        }
        for (String id : unconfirmed) {
            unfinished.remove(id);
            LOG.info("partition {} was finished before the checkpoint the load restarted from", id);
        }
        unconfirmed.clear();
        onConfirmed();
        if (done()) {
            onLoadDone();
        }
        planMore();
        assign();
    }

    /** Every partition handed out before the restored checkpoint is known to be held or finished. */
    protected final boolean confirmed() {
        return unconfirmed.isEmpty();
    }

    /** Called once {@link #confirmed()} turns true after a restore. */
    protected void onConfirmed() {}

    /** The plan number of {@code table}'s current partitions. */
    protected final int passOf(String table) {
        StartedOver s = startedOver.get(table);
        return s == null ? 0 : s.pass();
    }

    /** The tables whose load started over, for readers to tell partitions of an abandoned plan. */
    protected final Map<String, StartedOver> startedOver() {
        return Map.copyOf(startedOver);
    }

    /**
     * Tables whose current plan has partitions read or being read, but not all finished: a load that
     * continues under another snapshot may have to start them over.
     */
    protected final Set<String> tablesInProgress() {
        Map<String, Integer> pendingOfPlan = new HashMap<>();
        Map<String, Integer> planSize = new HashMap<>();
        for (P p : pending) {
            if (p.pass() == passOf(p.table())) {
                pendingOfPlan.merge(p.table(), 1, Integer::sum);
                planSize.put(p.table(), p.count());
            }
        }
        Set<String> started = new HashSet<>();
        for (String id : unfinished) {
            String table = tableOf(id);
            if (SnapshotUnitDone.passOf(id) == passOf(table)
                    && pendingOfPlan.getOrDefault(table, 0) < planSize.getOrDefault(table, Integer.MAX_VALUE)) {
                started.add(table);
            }
        }
        return started;
    }

    /**
     * Starts {@code table}'s load over under a new plan, the snapshot read being at {@code version}:
     * the current plan's partitions not handed out are dropped, those with readers finish (the source
     * skips them), and the table is planned again.
     */
    protected final void readAgain(String table, long version, String why) {
        int pass = passOf(table) + 1;
        startedOver.put(table, new StartedOver(pass, version));
        for (Iterator<P> it = pending.iterator(); it.hasNext(); ) {
            P p = it.next();
            if (p.table().equals(table)) {
                it.remove();
                unfinished.remove(p.splitId());
            }
        }
        LOG.info("initial load of {} starts over (plan {}): {}", table, pass, why);
        if (!planning.contains(table) && !unplanned.contains(table)) {
            plan(table);
        }
    }

    /** Events of a particular source (e.g. the Postgres readers' snapshot requests). */
    protected void handleOtherEvent(int subtaskId, SourceEvent event) {
        throw new IllegalArgumentException("unexpected event " + event);
    }

    /** Every planned partition is finished and nothing is left to plan. */
    protected void onLoadDone() {}

    protected final boolean done() {
        return unfinished.isEmpty() && unplanned.isEmpty() && planning.isEmpty();
    }

    /** The load's consistent point, taken once per load; null before. */
    protected final String point() {
        return point;
    }

    protected final void markPointTaken(String point) {
        this.point = java.util.Objects.requireNonNull(point);
    }

    /** Tables being planned are checkpointed as unplanned: their partitions are in no list yet. */
    @Override
    public LoadEnumeratorState<P> snapshotState(long checkpointId) {
        List<String> toPlan = new ArrayList<>(planning);
        toPlan.addAll(unplanned);
        return new LoadEnumeratorState<>(toPlan, pending, unfinished, point, startedOver);
    }

    @Override
    public void close() {}

    private void planMore() {
        while (!unplanned.isEmpty() && activeTables() < tablesInParallel) {
            plan(unplanned.poll());
        }
    }

    private void plan(String table) {
        planning.add(table);
        int pass = passOf(table);
        context.callAsync(() -> planner.plan(table, pass), (plan, error) -> {
            planning.remove(table);
            if (error != null) {
                throw new IllegalStateException("cannot plan the initial load of " + table + ": " + error.getMessage(),
                        error);
            }
            if (pass != passOf(table)) {
                plan(table); // started over while planning: the new plan must have the new ids
                return;
            }
            LOG.info("planned {}: {} partitions ({}) in {} ms", table, plan.partitions().size(), plan.basis(),
                    plan.planningMillis());
            for (P p : plan.partitions()) {
                pending.add(p);
                unfinished.add(p.splitId());
            }
            assign();
        });
    }

    private void assign() {
        if (!unconfirmed.isEmpty()) {
            return; // until every reader has said what it holds
        }
        for (Iterator<Integer> it = waitingForSplit.iterator(); it.hasNext(); ) {
            int subtask = it.next();
            if (!context.registeredReaders().containsKey(subtask)) {
                it.remove();
                continue;
            }
            P next = nextAssignable();
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

    private P nextAssignable() {
        for (P p : pending) {
            if (outWithReaders.getOrDefault(p.table(), 0) < parallelismPerTable) {
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

    private boolean isPending(String splitId) {
        return pending.stream().anyMatch(q -> q.splitId().equals(splitId));
    }

    private static String tableOf(String splitId) {
        return splitId.substring(0, splitId.lastIndexOf('#'));
    }
}
