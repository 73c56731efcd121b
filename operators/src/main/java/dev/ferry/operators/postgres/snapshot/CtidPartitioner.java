package dev.ferry.operators.postgres.snapshot;

import java.util.ArrayList;
import java.util.List;

/**
 * The maths of splitting a table into contiguous CTID ranges (no I/O; see {@link CtidPartitionPlanner}).
 * Every plan starts at the beginning of the table, leaves no gap between ranges, and ends open, so
 * rows in holes, in blocks past the estimate, or appended during the load all belong to a partition.
 */
public final class CtidPartitioner {
    private CtidPartitioner() {}

    /**
     * Ranges of whole heap blocks sized so each holds about {@code rowsPerPartition} rows.
     *
     * @param blocks blocks in the table now
     * @param rowsPerBlock estimated live rows per block (any positive value; 0 or less means unknown: one row per block)
     */
    public static List<CtidPartition> byBlocks(String table, long blocks, double rowsPerBlock, int rowsPerPartition) {
        double density = rowsPerBlock > 0 ? rowsPerBlock : 1.0;
        long blocksPerPartition = Math.max(1L, (long) Math.floor(rowsPerPartition / density));
        long count = Math.max(1L, ceilDiv(Math.max(blocks, 0), blocksPerPartition));
        if (count > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(table + ": " + count + " partitions; raise snapshot_num_rows_per_partition");
        }
        List<Tid> starts = new ArrayList<>((int) count);
        for (long i = 0; i < count; i++) {
            starts.add(Tid.startOf(i * blocksPerPartition));
        }
        return fromStarts(table, starts);
    }

    /**
     * Partitions that begin at the given ctids (ascending; the first is treated as the table's
     * start). Used with the first ctid of each window bucket.
     */
    public static List<CtidPartition> fromStarts(String table, List<Tid> starts) {
        if (starts.isEmpty()) {
            return List.of(new CtidPartition(table, 0, 1, null, null));
        }
        List<Tid> distinct = new ArrayList<>();
        for (Tid t : starts) {
            if (!distinct.isEmpty() && distinct.get(distinct.size() - 1).compareTo(t) >= 0) {
                throw new IllegalArgumentException("partition starts must ascend: " + starts);
            }
            distinct.add(t);
        }
        int n = distinct.size();
        List<CtidPartition> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Tid lower = i == 0 ? null : distinct.get(i);
            Tid upper = i == n - 1 ? null : distinct.get(i + 1);
            out.add(new CtidPartition(table, i, n, lower, upper));
        }
        return out;
    }

    /** Number of window buckets for {@code rows} rows: at least one. */
    public static int bucketCount(long rows, int rowsPerPartition) {
        return (int) Math.max(1L, Math.min(Integer.MAX_VALUE, ceilDiv(Math.max(rows, 0), rowsPerPartition)));
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
