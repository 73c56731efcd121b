package dev.ferry.operators.postgres;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.postgresql.replication.LogSequenceNumber;

/**
 * Exports the snapshot of an open repeatable-read transaction ({@code pg_export_snapshot()}).
 * Used by snapshot-only pipes, and by every pipe when a restart lost the first export.
 */
public final class TransactionSnapshotExporter implements SnapshotExporter {
    private static final long serialVersionUID = 1L;

    @Override
    public ExportedSnapshot export(PostgresConnections connections, boolean firstExport) throws SQLException {
        Connection conn = connections.open("snapshot-export");
        try {
            try (Statement st = conn.createStatement()) {
                // The holder idles in its transaction for the whole load, by design.
                st.execute("SET idle_in_transaction_session_timeout = 0");
            }
            conn.setAutoCommit(false);
            conn.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            try (Statement st = conn.createStatement();
                    // The LSN is read after the snapshot is taken, so it is at or past every commit the snapshot sees.
                    ResultSet rs = st.executeQuery(
                            "SELECT pg_export_snapshot(), pg_current_wal_lsn()::text, txid_current_snapshot()::text")) {
                rs.next();
                return new ExportedSnapshot(rs.getString(1), LogSequenceNumber.valueOf(rs.getString(2)).asLong(),
                        PostgresXidSnapshot.parse(rs.getString(3)), conn);
            }
        } catch (SQLException | RuntimeException e) {
            conn.close();
            throw e;
        }
    }
}
