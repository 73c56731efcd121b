package dev.ferry.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;

/** A fresh database on the local Postgres, dropped by {@link #close()}. */
public final class PostgresTestDatabase implements AutoCloseable {
    public static final String USER = "postgres";
    public static final String PASSWORD = "postgres";

    private final String name;
    private final int port;

    public PostgresTestDatabase(String prefix) {
        this(prefix, LocalServers.DEFAULT_POSTGRES);
    }

    /** A database on the local Postgres of that major version (13 to 18). */
    public PostgresTestDatabase(String prefix, int postgresMajor) {
        LocalServers.ensureStarted();
        LocalServers.ensurePostgres(postgresMajor);
        this.port = LocalServers.postgresPort(postgresMajor);
        this.name = (prefix + "_" + UUID.randomUUID().toString().substring(0, 8)).toLowerCase(Locale.ROOT);
        try (Connection c = connect(port, "postgres"); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public String name() {
        return name;
    }

    public Connection connect() throws SQLException {
        return connect(port, name);
    }

    public static Connection connect(String database) throws SQLException {
        return connect(LocalServers.postgresPort(), database);
    }

    public static Connection connect(int port, String database) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database, USER, PASSWORD);
    }

    public void execute(String... sql) {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /**
     * Drops a slot a pipe streams from, once it streams: terminates its walsender and drops it, again
     * while the walsender comes back first (a pipe reconnects quickly).
     */
    public void dropActiveSlot(String slot) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 60_000;
        while (true) {
            try (Connection c = connect(); Statement st = c.createStatement();
                    java.sql.ResultSet rs = st.executeQuery("SELECT 1 FROM pg_replication_slots WHERE active AND slot_name = '"
                            + slot + "'")) {
                if (rs.next()) {
                    break;
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("slot " + slot + " never streamed");
            }
            Thread.sleep(200);
        }
        for (int attempt = 1; ; attempt++) {
            try {
                execute("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = '" + slot
                        + "' AND active", "SELECT pg_sleep(0.1)", "SELECT pg_drop_replication_slot('" + slot + "')");
                return;
            } catch (IllegalStateException stillActive) {
                if (attempt == 50) {
                    throw stillActive;
                }
            }
        }
    }

    /** The source: section of a pipe spec for this database. */
    public String sourceYaml() {
        return "source: {type: postgres, host: 127.0.0.1, port: " + port + ", database: " + name
                + ", user: " + USER + ", password: " + PASSWORD + "}\n";
    }

    /** Drops the database, its slots first; a cancelled pipe's walsender may take a moment to let go. */
    @Override
    public void close() {
        SQLException last = null;
        for (int attempt = 0; attempt < 50; attempt++) {
            try (Connection c = connect(port, "postgres"); Statement st = c.createStatement()) {
                st.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + name + "'");
                st.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = '"
                        + name + "' AND NOT active");
                st.execute("DROP DATABASE IF EXISTS " + name);
                return;
            } catch (SQLException e) {
                last = e;
                try {
                    Thread.sleep(200);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        throw new IllegalStateException("cannot drop test database " + name, last);
    }
}
