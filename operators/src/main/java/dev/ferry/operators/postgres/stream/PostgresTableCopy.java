package dev.ferry.operators.postgres.stream;

import dev.ferry.operators.postgres.PostgresConnections;
import dev.ferry.operators.postgres.PostgresXidSnapshot;
import dev.ferry.operators.postgres.setup.PostgresCatalog.SourceTable;
import dev.ferry.operators.postgres.snapshot.PostgresRowReader;
import dev.ferry.state.record.ChangeRecord;
import dev.ferry.state.record.ChangeVersions;
import dev.ferry.state.schema.ColumnSchema;
import dev.ferry.state.schema.TableSchema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.function.Consumer;
import org.postgresql.replication.LogSequenceNumber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies a table's rows, as of one repeatable-read snapshot, into the change stream while it runs,
 * a few thousand rows between two transactions at a time: the rows of a partition attached with data
 * ({@link PostgresPartitionWatch}), a table copied again ({@link PostgresTableReloads}). The rows are
 * versioned as snapshot rows by a WAL position read just before the snapshot was taken, so every
 * change committed after the snapshot (which commits at a later position) beats them.
 */
final class PostgresTableCopy {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresTableCopy.class);
    static final int ROWS_PER_STEP = 2_000;

    private final Connection conn;
    private final long version;
    private final long positionAfter;
    private final PostgresXidSnapshot xids;
    private PreparedStatement statement;
    private ResultSet rows;
    private PostgresRowReader rowReader;
    private TableSchema read;
    private int[] place;
    private TableSchema layout;
    private long copied;

    private PostgresTableCopy(Connection conn, long version, long positionAfter, PostgresXidSnapshot xids) {
        this.conn = conn;
        this.version = version;
        this.positionAfter = positionAfter;
        this.xids = xids;
    }

    /** Takes the snapshot: a session that reads the catalog and the rows as of it. */
    static PostgresTableCopy begin(PostgresConnections connections, String role) throws SQLException {
        Connection conn = connections.openTableRead(role);
        try {
            conn.setAutoCommit(true);
            long before = position(conn, "pg_current_wal_insert_lsn()::text");
            conn.setAutoCommit(false);
            // The snapshot is taken as this query starts; the position after it is past every commit it saw.
            try (Statement st = conn.createStatement();
                    ResultSet rs = st.executeQuery("SELECT txid_current_snapshot()::text, pg_current_wal_insert_lsn()::text")) {
                rs.next();
                return new PostgresTableCopy(conn, ChangeVersions.snapshot(before),
                        LogSequenceNumber.valueOf(rs.getString(2)).asLong(), PostgresXidSnapshot.parse(rs.getString(1)));
            }
        } catch (SQLException | RuntimeException e) {
            conn.close();
            throw e;
        }
    }

    private static long position(Connection conn, String expression) throws SQLException {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT " + expression)) {
            rs.next();
            return LogSequenceNumber.valueOf(rs.getString(1)).asLong();
        }
    }

    /** The session, to read the catalog as of the snapshot. */
    Connection connection() {
        return conn;
    }

    /** The transactions the snapshot saw committed. */
    PostgresXidSnapshot xids() {
        return xids;
    }

    /** The version of the rows copied. */
    long version() {
        return version;
    }

    /** A WAL position past the commit of every transaction the snapshot saw. */
    long positionAfter() {
        return positionAfter;
    }

    /** Starts reading {@code read}'s select expressions {@code from} (a FROM clause and maybe a WHERE). */
    void start(SourceTable read, String from) throws SQLException {
        this.read = read.schema();
        statement = conn.prepareStatement("SELECT " + String.join(", ", read.selectExpressions()) + " " + from,
                ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY);
        statement.setFetchSize(ROWS_PER_STEP);
        rows = statement.executeQuery();
        rowReader = new PostgresRowReader(read.schema().columns());
    }

    /**
     * Hands on up to {@link #ROWS_PER_STEP} rows, laid out as {@code layout} (the table's schema as the
     * stream sends it now, which may have changed since the copy began): each value goes to the column
     * with its attnum, columns the copy lacks stay null. True when every row was handed on.
     */
    boolean step(Consumer<ChangeRecord> out, TableSchema layout) throws SQLException {
        if (layout != this.layout) {
            this.layout = layout;
            place = new int[read.columns().size()];
            for (int i = 0; i < place.length; i++) {
                ColumnSchema c = read.columns().get(i);
                place[i] = c.position() > 0 ? positionIn(layout, c.position()) : layout.indexOf(c.name());
            }
        }
        for (int n = 0; n < ROWS_PER_STEP; n++) {
            if (!rows.next()) {
                return true;
            }
            Object[] read = rowReader.read(rows, 1);
            Object[] values = new Object[layout.columns().size()];
            for (int i = 0; i < read.length; i++) {
                if (place[i] >= 0) {
                    values[place[i]] = read[i];
                }
            }
            out.accept(ChangeRecord.row(layout.sourceId(), ChangeRecord.Kind.SNAPSHOT, version, values));
            copied++;
        }
        return false;
    }

    private static int positionIn(TableSchema layout, int position) {
        for (int i = 0; i < layout.columns().size(); i++) {
            if (layout.columns().get(i).position() == position && !layout.columns().get(i).dropped()) {
                return i;
            }
        }
        return -1;
    }

    long copied() {
        return copied;
    }

    void close() {
        try {
            conn.close();
        } catch (SQLException e) {
            LOG.debug("closing a table copy's session: {}", e.getMessage());
        }
    }
}
