package dev.ferry.state.lifecycle;

import java.util.Set;

/**
 * Durable progress of one table: initial-load units (partitions) done out of their total (0 while
 * unknown), and rows written by kind. {@code maxVersion} is the highest change version written.
 */
public record TableProgress(
        String table,
        int unitsTotal,
        Set<String> unitsDone,
        long snapshotRows,
        long inserts,
        long updates,
        long deletes,
        long batches,
        long maxVersion) {

    public TableProgress {
        unitsDone = Set.copyOf(unitsDone);
    }

    public static TableProgress empty(String table) {
        return new TableProgress(table, 0, Set.of(), 0, 0, 0, 0, 0, 0);
    }

    /** True once every unit of a known plan is done. */
    public boolean snapshotDone() {
        return unitsTotal > 0 && unitsDone.size() >= unitsTotal;
    }

    public long changes() {
        return inserts + updates + deletes;
    }
}
