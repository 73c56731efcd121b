package dev.ferry.state.record;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one sink subtask made durable in ClickHouse between two checkpoints, per table. It reaches
 * the lifecycle only after its checkpoint completed, so progress is never reported ahead of data.
 */
public record DurableProgress(Map<String, TableWrites> tables) {

    public DurableProgress {
        tables = Map.copyOf(tables);
    }

    /**
     * Counts for one table; {@code maxVersion} is the highest change version written (0 if none);
     * {@code reloads}: copies the change stream made of the table that replaced it.
     */
    public record TableWrites(
            long snapshotRows,
            long inserts,
            long updates,
            long deletes,
            long batches,
            long maxVersion,
            List<SnapshotUnitDone> unitsDone,
            long reloads) {

        public TableWrites {
            unitsDone = List.copyOf(unitsDone);
        }

        public long rows() {
            return snapshotRows + inserts + updates + deletes;
        }
    }

    public boolean isEmpty() {
        return tables.isEmpty();
    }

    /** Accumulates one subtask's writes until the next checkpoint. */
    public static final class Builder {
        private final Map<String, long[]> counts = new LinkedHashMap<>();
        private final Map<String, List<SnapshotUnitDone>> units = new LinkedHashMap<>();

        private long[] counts(String table) {
            return counts.computeIfAbsent(table, t -> new long[7]);
        }

        /** A batch of one table was written: rows by kind and the highest change version in it. */
        public void written(String table, long snapshotRows, long inserts, long updates, long deletes, long maxVersion) {
            long[] c = counts(table);
            c[0] += snapshotRows;
            c[1] += inserts;
            c[2] += updates;
            c[3] += deletes;
            c[4]++;
            if (Long.compareUnsigned(maxVersion, c[5]) > 0) {
                c[5] = maxVersion;
            }
        }

        /** A copy of the table by the change stream replaced it. */
        public void reloaded(String table) {
            counts(table)[6]++;
        }

        public void unitDone(String table, SnapshotUnitDone unit) {
            counts(table);
            units.computeIfAbsent(table, t -> new ArrayList<>()).add(unit);
        }

        /** The progress so far; the builder starts over. */
        public DurableProgress drain() {
            Map<String, TableWrites> out = new LinkedHashMap<>();
            counts.forEach((table, c) -> out.put(table,
                    new TableWrites(c[0], c[1], c[2], c[3], c[4], c[5], units.getOrDefault(table, List.of()), c[6])));
            counts.clear();
            units.clear();
            return new DurableProgress(out);
        }
    }
}
