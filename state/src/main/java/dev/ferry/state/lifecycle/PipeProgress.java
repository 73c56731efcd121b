package dev.ferry.state.lifecycle;

import dev.ferry.state.record.DurableProgress;
import dev.ferry.state.record.SnapshotUnitDone;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A running pipe's lifecycle state and durable per-table progress: what the lifecycle operator
 * checkpoints. {@link #fold} applies committed sink progress; {@link #moveTo} applies a transition
 * through {@link PipeTransitions}.
 */
public final class PipeProgress {
    private PipeState state;
    private String reason;
    private int generation;
    private final Map<String, TableProgress> tables = new LinkedHashMap<>();
    /** Tables the change stream copied again (and swapped in) since this generation began. */
    private final Set<String> reloaded = new HashSet<>();

    public PipeProgress(PipeState state, String reason, List<String> tables) {
        this.state = state;
        this.reason = reason == null ? "" : reason;
        for (String t : tables) {
            this.tables.put(t, TableProgress.empty(t));
        }
    }

    public PipeState state() {
        return state;
    }

    public String reason() {
        return reason;
    }

    /** The initial-load generation this progress counts. */
    public int generation() {
        return generation;
    }

    /**
     * Starts a run of a newer generation: its tables' load progress starts over, and the pipe takes
     * the state the control plane moved it to while the job was stopped (Snapshot, Resync, Running).
     */
    public void beginGeneration(PipeRun run) {
        if (run.generation() <= generation) {
            return;
        }
        generation = run.generation();
        reloaded.clear();
        for (String t : run.loadTables()) {
            TableProgress old = tables.getOrDefault(t, TableProgress.empty(t));
            tables.put(t, new TableProgress(t, 0, Set.of(), 0, old.inserts(), old.updates(), old.deletes(),
                    old.batches(), old.maxVersion()));
        }
        state = run.startState();
        reason = "";
    }

    public Map<String, TableProgress> tables() {
        return tables;
    }

    /** Applies a legal transition; throws {@link IllegalTransitionException} otherwise. */
    public void moveTo(PipeState next, String why) {
        state = PipeTransitions.check(state, next);
        reason = why == null ? "" : why;
    }

    /** Adds tables the pipe now replicates (after a modify), keeping existing progress. */
    public void track(List<String> tableIds) {
        for (String t : tableIds) {
            tables.putIfAbsent(t, TableProgress.empty(t));
        }
    }

    /** Folds one committed progress report in; returns the tables it changed. */
    public Set<String> fold(DurableProgress progress) {
        Set<String> changed = new HashSet<>();
        progress.tables().forEach((table, w) -> {
            TableProgress old = tables.getOrDefault(table, TableProgress.empty(table));
            Set<String> done = new HashSet<>(old.unitsDone());
            int total = old.unitsTotal();
            int pass = done.stream().mapToInt(SnapshotUnitDone::passOf).max().orElse(0);
            for (SnapshotUnitDone u : w.unitsDone()) {
                // A table whose load started over counts the units of its newest plan only.
                if (u.pass() > pass) {
                    pass = u.pass();
                    done.clear();
                }
                if (u.pass() == pass) {
                    done.add(u.unitId());
                    total = u.unitCount();
                }
            }
            tables.put(table, new TableProgress(table, total, done,
                    old.snapshotRows() + w.snapshotRows(), old.inserts() + w.inserts(), old.updates() + w.updates(),
                    old.deletes() + w.deletes(), old.batches() + w.batches(),
                    Long.compareUnsigned(w.maxVersion(), old.maxVersion()) > 0 ? w.maxVersion() : old.maxVersion()));
            if (w.reloads() > 0) {
                reloaded.add(table);
            }
            changed.add(table);
        });
        return changed;
    }

    /** True when the initial load of every given table is durable in the destination. */
    public boolean snapshotDone(List<String> tableIds) {
        for (String t : tableIds) {
            TableProgress p = tables.get(t);
            if (p == null || !p.snapshotDone()) {
                return false;
            }
        }
        return true;
    }

    /** True when the change stream copied every given table again since this generation began. */
    public boolean reloadsDone(List<String> tableIds) {
        return reloaded.containsAll(tableIds);
    }

    /** The tables copied again by the change stream in this generation. */
    public Set<String> reloaded() {
        return Set.copyOf(reloaded);
    }

    /** A copy for the status table and tests. */
    public List<TableProgress> tableList() {
        return new ArrayList<>(tables.values());
    }

    void restore(PipeState restoredState, String restoredReason, int restoredGeneration,
            List<TableProgress> restoredTables, Set<String> restoredReloaded) {
        state = restoredState;
        reason = restoredReason;
        generation = restoredGeneration;
        tables.clear();
        restoredTables.forEach(t -> tables.put(t.table(), t));
        reloaded.clear();
        reloaded.addAll(restoredReloaded);
    }
}
