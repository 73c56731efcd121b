package dev.ferry.operators.postgres.snapshot;

import dev.ferry.operators.load.LoadPlanner.Plan;
import dev.ferry.operators.postgres.setup.PostgresCatalog.SourceTable;
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

    /** Leaf partitions holding rows (foreign-table leaves have no ctid to range over). */
    private static final String LEAVES_SQL = """
            SELECT format('%I.%I', n.nspname, c.relname), c.oid
            FROM pg_partition_tree(?::oid::regclass) t
            JOIN pg_class c ON c.oid = t.relid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE t.isleaf AND c.relkind = 'r'
            ORDER BY c.oid""";

    private CtidPartitionPlanner() {}

    /** The relation's files now (the relcache's view, not the transaction snapshot's). */
    private static final String FILES_SQL = "SELECT pg_relation_filenode(?::regclass)";

    /** What one range is read from: a table, or one leaf partition of a partitioned table. */
    private record Relation(String leaf, long oid, String qualified) {}

    /** The plan {@code pass} of one table; a partitioned table's leaves one after another. */
    public static Plan<CtidPartition> plan(Connection conn, SourceTable table, int pass, SnapshotPartitioning strategy,
            int rowsPerPartition) throws SQLException {
        long start = System.nanoTime();
        String id = table.spec().sourceId();
        List<Relation> relations = table.partitioned() ? leaves(conn, table.oid())
                : List.of(new Relation(null, table.oid(), table.qualifiedName()));
        List<CtidPartition> ranges = new ArrayList<>();
        List<String> bases = new ArrayList<>();
        for (Relation r : relations) {
            long files = files(conn, r.qualified());
            for (CtidPartition p : planRelation(conn, id, r, strategy, rowsPerPartition, bases)) {
                ranges.add(p.inLeaf(r.leaf(), 0, 1).inFiles(files));
            }
        }
        if (ranges.isEmpty()) {
            // A partitioned table without leaves yet: one empty read keeps the table's load well-formed.
            ranges.add(new CtidPartition(id, 0, 1, null, null));
            bases.add("no leaf partitions");
        }
        List<CtidPartition> partitions = new ArrayList<>(ranges.size());
        for (int i = 0; i < ranges.size(); i++) {
            partitions.add(ranges.get(i).inLeaf(ranges.get(i).leaf(), i, ranges.size()).inPass(pass));
        }
        String basis = !table.partitioned() ? String.join("; ", bases)
                : relations.size() + " leaf partitions" + (bases.size() <= 3 ? ": " + String.join("; ", bases) : "");
        return new Plan<>(partitions, (System.nanoTime() - start) / 1_000_000,
                basis + ", " + strategy.name().toLowerCase(java.util.Locale.ROOT));
    }

    /** The relfilenode of {@code relation} (qualified name): it changes when the relation's rows are rewritten. */
    static long files(Connection conn, String relation) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(FILES_SQL)) {
            ps.setString(1, relation);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    private static List<Relation> leaves(Connection conn, long oid) throws SQLException {
        List<Relation> leaves = new ArrayList<>();
        try (PreparedStatement ps = conn.prepareStatement(LEAVES_SQL)) {
            ps.setLong(1, oid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    leaves.add(new Relation(rs.getString(1), rs.getLong(2), rs.getString(1)));
                }
            }
        }
        return leaves;
    }

    private static List<CtidPartition> planRelation(Connection conn, String id, Relation r,
            SnapshotPartitioning strategy, int rowsPerPartition, List<String> bases) throws SQLException {
        String from = r.leaf() == null ? r.qualified() : "ONLY " + r.qualified();
        if (strategy == SnapshotPartitioning.COUNT_WINDOW) {
            long rows = count(conn, from);
            int buckets = CtidPartitioner.bucketCount(rows, rowsPerPartition);
            bases.add(rows + " rows counted");
            return buckets == 1 ? CtidPartitioner.fromStarts(id, List.of())
                    : CtidPartitioner.fromStarts(id, bucketStarts(conn, from, buckets));
        }
        long blocks;
        double density;
        try (PreparedStatement ps = conn.prepareStatement(SIZE_SQL)) {
            ps.setLong(1, r.oid());
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
            density = (double) countBelow(conn, from, sampled) / sampled;
            how = "a sample of " + sampled + " blocks";
        }
        bases.add(blocks + " blocks, ~" + Math.round(Math.max(density, 0)) + " rows/block from " + how);
        return CtidPartitioner.byBlocks(id, blocks, density, rowsPerPartition);
    }

    private static long count(Connection conn, String from) throws SQLException {
        try (Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM " + from)) {
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
