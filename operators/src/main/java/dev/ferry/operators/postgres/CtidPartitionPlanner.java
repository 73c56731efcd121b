package dev.ferry.operators.postgres;

import dev.ferry.operators.load.LoadPlanner.Plan;
import dev.ferry.operators.postgres.PostgresCatalog.SourceTable;
import dev.ferry.state.spec.PipeSettings.SnapshotPartitioning;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** Plans a table's CTID partitions with one of the two strategies (SQL here, maths in CtidPartitioner). */
public final class CtidPartitionPlanner {
    /** Blocks read to estimate density when the table was never analyzed. */
    private static final int SAMPLE_BLOCKS = 64;

    private static final String SIZE_SQL = """
            SELECT pg_relation_size(c.oid) / current_setting('block_size')::bigint, c.reltuples, c.relpages
            FROM pg_class c WHERE c.oid = ?""";

    private CtidPartitionPlanner() {}

    public static Plan<CtidPartition> plan(Connection conn, SourceTable table, SnapshotPartitioning strategy,
            int rowsPerPartition) throws SQLException {
        long start = System.nanoTime();
        List<CtidPartition> partitions;
        String basis;
        if (strategy == SnapshotPartitioning.COUNT_WINDOW) {
            long rows = count(conn, table.qualifiedName());
            int buckets = CtidPartitioner.bucketCount(rows, rowsPerPartition);
            partitions = buckets == 1
                    ? CtidPartitioner.fromStarts(table.spec().sourceId(), List.of())
                    : CtidPartitioner.fromStarts(table.spec().sourceId(), bucketStarts(conn, table.qualifiedName(), buckets));
            basis = rows + " rows counted";
        } else {
            long blocks;
            double density;
            try (PreparedStatement ps = conn.prepareStatement(SIZE_SQL)) {
                ps.setLong(1, table.oid());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    blocks = rs.getLong(1);
                    double reltuples = rs.getDouble(2);
                    long relpages = rs.getLong(3);
                    density = reltuples > 0 && relpages > 0 ? reltuples / relpages : -1;
                }
            }
            String how = "pg_class statistics";
            if (density <= 0 && blocks > 0) {
                long sampled = Math.min(blocks, SAMPLE_BLOCKS);
                density = (double) countBelow(conn, table.qualifiedName(), sampled) / sampled;
                how = "a sample of " + sampled + " blocks";
            }
            partitions = CtidPartitioner.byBlocks(table.spec().sourceId(), blocks, density, rowsPerPartition);
            basis = blocks + " blocks, ~" + Math.round(Math.max(density, 0)) + " rows/block from " + how;
        }
        return new Plan<>(partitions, (System.nanoTime() - start) / 1_000_000,
                basis + ", " + strategy.name().toLowerCase(java.util.Locale.ROOT));
    }

    private static long count(Connection conn, String qualified) throws SQLException {
        try (Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM " + qualified)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static long countBelow(Connection conn, String qualified, long blocks) throws SQLException {
        try (Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery(
                        "SELECT count(*) FROM " + qualified + " WHERE ctid < '" + Tid.startOf(blocks) + "'::tid")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** ClickPipes' documented query: ntile over ctid order, first ctid of each bucket. */
    private static List<Tid> bucketStarts(Connection conn, String qualified, int buckets) throws SQLException {
        String sql = "SELECT min(ctid)::text FROM (SELECT ctid, ntile(" + buckets + ") OVER (ORDER BY ctid) AS bucket FROM "
                + qualified + ") s GROUP BY bucket ORDER BY min(ctid)";
        List<Tid> starts = new ArrayList<>(buckets);
        try (Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                starts.add(Tid.parse(rs.getString(1)));
            }
        }
        return starts;
    }
}
