package dev.ferry.operators.postgres;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A snapshot other transactions can import with {@code SET TRANSACTION SNAPSHOT}; it stays
 * importable while {@code holder} stays open and idle. {@code lsn} is the version of rows read
 * under it: at or after every commit the snapshot sees. {@code xids} says which transactions it
 * sees ({@link PostgresXidSnapshot}).
 */
public final class ExportedSnapshot implements AutoCloseable {
    /** "invalid snapshot identifier" (no such export), and "the source transaction is not running anymore". */
    private static final java.util.Set<String> GONE = java.util.Set.of("22023", "55000");
    private final String id;
    private final long lsn;
    private final PostgresXidSnapshot xids;
    private final Connection holder;

    public ExportedSnapshot(String id, long lsn, PostgresXidSnapshot xids, Connection holder) {
        this.id = id;
        this.lsn = lsn;
        this.xids = xids;
        this.holder = holder;
    }

    public PostgresXidSnapshot xids() {
        return xids;
    }

    public String id() {
        return id;
    }

    public long lsn() {
        return lsn;
    }

    /**
     * Whether the snapshot can still be imported: a Postgres restart or a lost holder session ends it.
     * Asked on a connection of its own, since any command on the holder (a slot's walsender) would
     * end it too. Throws when Postgres cannot be reached at all.
     */
    public boolean importable(PostgresConnections connections) throws SQLException {
        try (Connection conn = connections.openTableRead("snapshot-check"); Statement st = conn.createStatement()) {
            st.execute("SET TRANSACTION SNAPSHOT " + PostgresSql.quoteLiteral(id));
            return true;
        } catch (SQLException e) {
            if (GONE.contains(e.getSQLState())) {
                return false;
            }
            throw e;
        }
    }

    @Override
    public void close() throws SQLException {
        holder.close();
    }
}
