package dev.ferry.operators.postgres;

import dev.ferry.operators.PipeSetupException;
import dev.ferry.state.spec.OptionValues;
import dev.ferry.state.spec.SourceOptions;
import java.io.Serializable;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Properties;
import org.postgresql.PGProperty;

/**
 * Opens JDBC connections to the pipe's source. Each connection names its role in
 * {@code application_name} ({@code ferry:<pipe>:<role>}) so it can be told apart in pg_stat_activity.
 */
public final class PostgresConnections implements Serializable {
    private static final org.postgresql.Driver DRIVER = new org.postgresql.Driver();
    private static final long serialVersionUID = 1L;

    /**
     * Session settings that fix the text form of values, set on every session that reads rows (the
     * initial load's and the change stream's), so both paths print a value the same way.
     */
    public static final String TEXT_FORMS = "SET IntervalStyle = 'iso_8601'; SET TimeZone = 'UTC';"
            + " SET extra_float_digits = 3; SET bytea_output = 'hex'; SET lc_monetary = 'C'";

    private final String pipe;
    private final OptionValues source;

    public PostgresConnections(String pipe, OptionValues source) {
        this.pipe = pipe;
        this.source = source;
    }

    public String pipe() {
        return pipe;
    }

    public String host() {
        return source.get(SourceOptions.HOST);
    }

    public int port() {
        return source.get(SourceOptions.PORT);
    }

    public String database() {
        return source.get(SourceOptions.DATABASE);
    }

    public String user() {
        return source.get(SourceOptions.USER);
    }

    public String password() {
        return source.get(SourceOptions.PASSWORD);
    }

    /** Where the source is, for messages: never includes credentials. */
    public String describe() {
        return "postgres " + host() + ":" + port() + "/" + database();
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://" + host() + ":" + port() + "/" + database();
    }

    /** A plain connection, autocommit on. */
    public Connection open(String role) throws SQLException {
        return connect(properties(role, false));
    }

    /**
     * A connection tuned for bulk reads (binary transfer from the first execution) whose session
     * prints values in the forms the change stream's also uses ({@link #TEXT_FORMS}).
     */
    public Connection openForBulkRead(String role) throws SQLException {
        Connection conn = connect(properties(role, true));
        try (Statement st = conn.createStatement()) {
            st.execute(TEXT_FORMS);
        } catch (SQLException | RuntimeException e) {
            conn.close();
            throw e;
        }
        return conn;
    }

    /**
     * A bulk-read connection for copying tables: its reads form one read-only repeatable-read
     * transaction (one snapshot), and scans return rows in ctid order, which continuing after the
     * last checkpointed ctid assumes (a synchronized scan starts wherever another scan of the table
     * is; a parallel one interleaves workers).
     */
    public Connection openTableRead(String role) throws SQLException {
        Connection conn = openForBulkRead(role);
        try (Statement st = conn.createStatement()) {
            // A load's reader idles in its transaction while the pipeline is backed up: a server-wide
            // idle_in_transaction_session_timeout must not end it (nor the snapshot it holds).
            st.execute("SET synchronize_seqscans = off; SET max_parallel_workers_per_gather = 0;"
                    + " SET idle_in_transaction_session_timeout = 0");
            conn.setAutoCommit(false);
            conn.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            conn.setReadOnly(true);
        } catch (SQLException | RuntimeException e) {
            conn.close();
            throw e;
        }
        return conn;
    }

    /** A walsender connection (replication=database), for slot commands. */
    public Connection openReplication(String role) throws SQLException {
        Properties p = properties(role, false);
        PGProperty.REPLICATION.set(p, "database");
        PGProperty.ASSUME_MIN_SERVER_VERSION.set(p, "10");
        PGProperty.PREFER_QUERY_MODE.set(p, "simple");
        return connect(p);
    }

    /**
     * pgjdbc registers itself with DriverManager when its class loads, and DriverManager then holds a
     * job's class loader for the life of the Flink JVM: every pipe started on a session cluster would
     * leak its classes (the JobManager ran out of metaspace after about twenty). Nothing in a pipe uses
     * DriverManager, so a job's own copy is deregistered. The
     * application class loader (CLI, tests) keeps it.
     */
    private static void releaseDriverManager() throws SQLException {
        if (PostgresConnections.class.getClassLoader() != ClassLoader.getSystemClassLoader()
                && org.postgresql.Driver.isRegistered()) {
            org.postgresql.Driver.deregister();
        }
    }

    /**
     * Through pgjdbc's driver directly, not DriverManager: on a Flink cluster each job jar has its own
     * class loader, and DriverManager only hands out the driver the first job's loader registered.
     */
    private Connection connect(Properties p) throws SQLException {
        releaseDriverManager();
        Connection c = DRIVER.connect(jdbcUrl(), p);
        if (c == null) {
            throw new SQLException("pgjdbc does not accept " + jdbcUrl());
        }
        return c;
    }

    /** Opens a plain connection or throws a one-line {@link PipeSetupException}. */
    public Connection openChecked(String role) {
        try {
            return open(role);
        } catch (SQLException e) {
            throw new PipeSetupException("cannot connect to " + describe() + " as " + user() + ": "
                    + PipeSetupException.firstLine(e), e);
        }
    }

    private Properties properties(String role, boolean bulk) {
        Properties p = new Properties();
        PGProperty.USER.set(p, user());
        PGProperty.PASSWORD.set(p, password());
        PGProperty.APPLICATION_NAME.set(p, "ferry:" + pipe + ":" + role);
        PGProperty.SSL_MODE.set(p, source.get(SourceOptions.SSL_MODE).name().toLowerCase(Locale.ROOT).replace('_', '-'));
        PGProperty.CONNECT_TIMEOUT.set(p, 10);
        PGProperty.TCP_KEEP_ALIVE.set(p, true);
        if (bulk) {
            PGProperty.BINARY_TRANSFER.set(p, true);
            // pgjdbc would format these in Java; the initial load keeps Postgres' own text of every type it does not map.
            PGProperty.BINARY_TRANSFER_DISABLE.set(p, "POINT,BOX");
            // tid (oid 27): the load's per-row position, 6 bytes instead of text made and parsed per row.
            PGProperty.BINARY_TRANSFER_ENABLE.set(p, "27");
            PGProperty.PREPARE_THRESHOLD.set(p, -1);
        }
        return p;
    }
}
