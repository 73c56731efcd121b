package dev.ferry.operators.postgres.setup;

import dev.ferry.operators.PipeSetupException;
import dev.ferry.operators.postgres.ExportedSnapshot;
import dev.ferry.operators.postgres.PostgresConnections;
import dev.ferry.operators.postgres.PostgresSql;
import dev.ferry.operators.postgres.PostgresXidSnapshot;
import dev.ferry.state.spec.TableSpec;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.postgresql.replication.LogSequenceNumber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pipe's publication (exactly its tables) and logical replication slot (pgoutput), and the
 * checks that replication can work at all. The slot is created with {@code EXPORT_SNAPSHOT} on a
 * replication connection so the initial load reads at exactly the slot's consistent point.
 */
public final class SlotManager {
    private static final Logger LOG = LoggerFactory.getLogger(SlotManager.class);
    private static final String SLOT_SQL = """
            SELECT plugin, database, active, active_pid, confirmed_flush_lsn::text, restart_lsn::text, wal_status,
                   pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint,
                   (SELECT application_name || ' from ' || coalesce(client_addr::text, 'local socket')
                      FROM pg_stat_activity WHERE pid = s.active_pid),
                   (SELECT extract(epoch FROM flush_lag)::float8 FROM pg_stat_replication WHERE pid = s.active_pid)
            FROM pg_replication_slots s WHERE slot_name = ?""";

    /**
     * What Postgres says about a replication slot. {@code flushLagSeconds} is how long WAL waits,
     * as Postgres measures it, until the slot's consumer confirms it (null once it has caught up,
     * or without a consumer).
     */
    public record SlotInfo(
            String name,
            String plugin,
            String database,
            boolean active,
            Integer activePid,
            String activeClient,
            long confirmedFlushLsn,
            long restartLsn,
            String walStatus,
            long retainedBytes,
            Double flushLagSeconds) {
        public boolean lost() {
            return "lost".equals(walStatus);
        }
    }

    private SlotManager() {}

    /** Problems that stop logical replication from this database and user (empty when ready). */
    public static List<String> replicationProblems(Connection conn, String describeSource) throws SQLException {
        List<String> problems = new ArrayList<>();
        try (Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery("""
                        SELECT current_setting('wal_level'), r.rolname, r.rolreplication OR r.rolsuper,
                               current_setting('max_replication_slots')::int
                                 - (SELECT count(*) FROM pg_replication_slots)
                        FROM pg_roles r WHERE r.rolname = current_user""")) {
            rs.next();
            if (!"logical".equals(rs.getString(1))) {
                problems.add(describeSource + " has wal_level = " + rs.getString(1) + "; CDC needs wal_level = logical"
                        + " (ALTER SYSTEM SET wal_level = logical, then restart Postgres)");
            }
            if (!rs.getBoolean(3)) {
                problems.add("user " + rs.getString(2) + " may not replicate: ALTER ROLE " + rs.getString(2)
                        + " REPLICATION (or connect as a superuser)");
            }
            if (rs.getInt(4) <= 0) {
                problems.add(describeSource + " has no free replication slot (raise max_replication_slots)");
            }
        }
        return problems;
    }

    public static Optional<SlotInfo> slot(Connection conn, String slotName) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(SLOT_SQL)) {
            ps.setString(1, slotName);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new SlotInfo(slotName, rs.getString(1), rs.getString(2), rs.getBoolean(3),
                        (Integer) rs.getObject(4), rs.getString(9), lsn(rs.getString(5)), lsn(rs.getString(6)),
                        rs.getString(7), rs.getLong(8), (Double) rs.getObject(10)));
            }
        }
    }

    /**
     * Creates the publication for exactly these tables, or makes an existing one of this pipe list
     * exactly them. Creating it needs ownership of the tables (or a superuser). Changes of a
     * partitioned table's leaves are published as the partitioned table's own
     * ({@code publish_via_partition_root}), so leaves created later are followed too.
     */
    public static void ensurePublication(Connection conn, String publication, List<TableSpec> tables)
            throws SQLException {
        String tableList = tables.stream()
                .map(t -> PostgresSql.qualified(t.schema(), t.name()))
                .collect(Collectors.joining(", "));
        Set<String> current = null;
        boolean viaRoot = false;
        try (PreparedStatement ps = conn.prepareStatement("SELECT schemaname, tablename, NULL FROM pg_publication_tables "
                + "WHERE pubname = ? UNION ALL SELECT NULL, NULL, pubviaroot FROM pg_publication WHERE pubname = ?")) {
            ps.setString(1, publication);
            ps.setString(2, publication);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (current == null) {
                        current = new HashSet<>();
                    }
                    if (rs.getString(1) != null) {
                        current.add(rs.getString(1) + "." + rs.getString(2));
                    } else {
                        viaRoot = rs.getBoolean(3);
                    }
                }
            }
        }
        Set<String> wanted = tables.stream().map(TableSpec::sourceId).collect(Collectors.toSet());
        try (Statement st = conn.createStatement()) {
            if (current == null) {
                st.execute("CREATE PUBLICATION " + PostgresSql.quoteIdent(publication) + " FOR TABLE " + tableList
                        + " WITH (publish_via_partition_root = true)");
                return;
            }
            if (!current.equals(wanted)) {
                st.execute("ALTER PUBLICATION " + PostgresSql.quoteIdent(publication) + " SET TABLE " + tableList);
                if (!current.containsAll(wanted)) {
                    awaitOlderTransactions(conn, publication);
                }
            }
            if (!viaRoot) {
                st.execute("ALTER PUBLICATION " + PostgresSql.quoteIdent(publication)
                        + " SET (publish_via_partition_root = true)");
            }
        }
    }

    /**
     * Waits until every transaction that was running when the publication gained tables has ended.
     * Logical decoding reads a transaction's changes with the catalog as it was when the transaction
     * began writing, so one that wrote an added table before the ALTER is not published even if it
     * commits after it; once it has ended, a snapshot exported for the added table's initial load sees
     * its rows. (Creating a slot waits the same way by itself.)
     */
    private static void awaitOlderTransactions(Connection conn, String publication) throws SQLException {
        long horizon;
        try (Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery("SELECT txid_snapshot_xmax(txid_current_snapshot())")) {
            rs.next();
            horizon = rs.getLong(1);
        }
        long started = System.currentTimeMillis();
        long reported = started;
        try (PreparedStatement ps = conn.prepareStatement("SELECT txid_snapshot_xmin(txid_current_snapshot()) >= ?,"
                + " (SELECT count(*) FROM pg_stat_activity WHERE backend_xid IS NOT NULL)")) {
            while (true) {
                ps.setLong(1, horizon);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getBoolean(1)) {
                        return;
                    }
                    if (System.currentTimeMillis() - reported >= 10_000) {
                        reported = System.currentTimeMillis();
                        LOG.info("publication {} gained tables: waited {} s so far for the transactions that began"
                                + " before it to end ({} writing now)", publication, (reported - started) / 1000,
                                rs.getLong(2));
                    }
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SQLException("interrupted while waiting for transactions older than the publication change");
                }
            }
        }
    }

    /**
     * Creates the slot on a replication connection with {@code EXPORT_SNAPSHOT} and keeps that
     * connection open: the snapshot stays importable until the connection is closed or used again.
     */
    public static ExportedSnapshot createSlotExportingSnapshot(PostgresConnections connections, String slotName)
            throws SQLException {
        Connection replication = connections.openReplication("slot-export");
        try (Statement st = replication.createStatement();
                ResultSet rs = st.executeQuery("CREATE_REPLICATION_SLOT " + PostgresSql.quoteIdent(slotName)
                        + " LOGICAL pgoutput EXPORT_SNAPSHOT")) {
            rs.next();
            long consistentPoint = lsn(rs.getString("consistent_point"));
            String snapshot = rs.getString("snapshot_name");
            return new ExportedSnapshot(snapshot, consistentPoint, xidsOf(connections, snapshot), replication);
        } catch (SQLException | RuntimeException e) {
            replication.close();
            throw e;
        }
    }

    /** Which transactions an exported snapshot sees, read by importing it. */
    private static PostgresXidSnapshot xidsOf(PostgresConnections connections, String snapshot) throws SQLException {
        try (Connection conn = connections.open("snapshot-xids")) {
            conn.setAutoCommit(false);
            conn.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            try (Statement st = conn.createStatement()) {
                st.execute("SET TRANSACTION SNAPSHOT " + PostgresSql.quoteLiteral(snapshot));
                try (ResultSet rs = st.executeQuery("SELECT txid_current_snapshot()::text")) {
                    rs.next();
                    return PostgresXidSnapshot.parse(rs.getString(1));
                }
            } finally {
                conn.rollback();
            }
        }
    }

    /** Creates the slot without a snapshot (CDC-only pipes); returns its consistent point. */
    public static long createSlot(Connection conn, String slotName) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(
                "SELECT lsn::text FROM pg_create_logical_replication_slot(?, 'pgoutput')")) {
            ps.setString(1, slotName);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return lsn(rs.getString(1));
            }
        }
    }

    /** Drops the slot and the publication if they exist (pipe deletion). */
    public static void drop(Connection conn, String slotName, String publication) throws SQLException {
        Optional<SlotInfo> slot = slot(conn, slotName);
        if (slot.isPresent() && slot.get().active()) {
            throw new PipeSetupException("replication slot " + slotName + " is in use by " + slot.get().activeClient()
                    + "; stop that consumer first");
        }
        try (Statement st = conn.createStatement()) {
            if (slot.isPresent()) {
                st.execute("SELECT pg_drop_replication_slot(" + PostgresSql.quoteLiteral(slotName) + ")");
            }
            st.execute("DROP PUBLICATION IF EXISTS " + PostgresSql.quoteIdent(publication));
        }
    }

    /** The server's current WAL position. */
    public static long currentLsn(Connection conn) throws SQLException {
        try (Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery("SELECT pg_current_wal_lsn()::text")) {
            rs.next();
            return lsn(rs.getString(1));
        }
    }

    static long lsn(String text) {
        return text == null ? 0 : LogSequenceNumber.valueOf(text).asLong();
    }
}
