package dev.ferry.testing;

import java.io.IOException;
import java.util.List;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;

/**
 * The real servers tests run against, started once per JVM through the same scripts as the demo
 * ({@code deploy/local/postgres.sh}, {@code deploy/local/clickhouse.sh}); both are idempotent.
 */
public final class LocalServers {
    /** The Postgres major version the tests use unless they name another: Debian's. */
    public static final int DEFAULT_POSTGRES = 15;

    private static boolean started;
    private static final java.util.Set<Integer> startedPostgres = new java.util.HashSet<>();

    private LocalServers() {}

    public static synchronized void ensureStarted() {
        if (started) {
            return;
        }
        ensurePostgres(DEFAULT_POSTGRES);
        run("deploy/local/clickhouse.sh", "start");
        dropLeftovers();
        started = true;
    }

    /**
     * Starts the local Postgres of a major version (13 to 18; see deploy/local/postgres.sh, which
     * fetches the builds other than Debian's 15) and drops earlier runs' test databases there.
     */
    public static synchronized void ensurePostgres(int major) {
        if (startedPostgres.add(major)) {
            runScript(java.util.Map.of("FERRY_PG_VERSION", Integer.toString(major)), "deploy/local/postgres.sh", "start");
            dropLeftovers(major);
        }
    }

    /**
     * Test databases are named {@code <prefix>_<8 hex digits>} and dropped after each test; a run that
     * was killed leaves them (and their slots, whose names are per cluster) behind: drop those once.
     */
    private static void dropLeftovers() {
        try (com.clickhouse.client.api.Client client = new com.clickhouse.client.api.Client.Builder()
                .addEndpoint(clickhouseUrl()).setUsername("default").setPassword("").build()) {
            for (var r : client.queryAll("SELECT name FROM system.databases WHERE match(name, '^[a-z]+_[0-9a-f]{8}(_status)?$')")) {
                client.execute("DROP DATABASE IF EXISTS `" + r.getString(1) + "`").get().close();
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot clean up earlier test databases in ClickHouse", e);
        }
    }

    private static void dropLeftovers(int postgresMajor) {
        try (java.sql.Connection c = PostgresTestDatabase.connect(postgresPort(postgresMajor), "postgres");
                java.sql.Statement st = c.createStatement()) {
            List<String> stale = new java.util.ArrayList<>();
            try (java.sql.ResultSet rs = st.executeQuery(
                    "SELECT datname FROM pg_database WHERE datname ~ '^[a-z]+_[0-9a-f]{8}$'")) {
                while (rs.next()) {
                    stale.add(rs.getString(1));
                }
            }
            for (String db : stale) {
                st.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + db + "'");
                st.execute("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE database = '" + db
                        + "' AND active");
                st.execute("SELECT pg_sleep(0.2)");
                st.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = '"
                        + db + "' AND NOT active");
                st.execute("DROP DATABASE IF EXISTS " + db);
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("cannot clean up earlier test databases", e);
        }
    }

    public static Path projectRoot() {
        String root = System.getProperty("ferry.project.root");
        Path p = root != null ? Paths.get(root) : Paths.get("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("deploy/local/postgres.sh"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("cannot find the project root (deploy/local/postgres.sh)");
        }
        return p;
    }

    /** Where the local servers keep data and logs (FERRY_LOCAL_HOME, default <repo>/.local). */
    public static Path localHome() {
        String home = System.getenv("FERRY_LOCAL_HOME");
        return home != null ? Paths.get(home) : projectRoot().resolve(".local");
    }

    /** The local Postgres server log (statements appear there when log_statement is on). */
    public static Path postgresLog() {
        return localHome().resolve("postgres/postgres.log");
    }

    public static int postgresPort() {
        return Integer.parseInt(System.getenv().getOrDefault("FERRY_PG_PORT", "15432"));
    }

    /** The port deploy/local/postgres.sh gives a major version: 15400 + major, Debian's 15 its own. */
    public static int postgresPort(int major) {
        return major == DEFAULT_POSTGRES ? postgresPort() : 15400 + major;
    }

    public static int clickhousePort() {
        return Integer.parseInt(System.getenv().getOrDefault("FERRY_CLICKHOUSE_PORT", "18123"));
    }

    public static String clickhouseUrl() {
        return "http://127.0.0.1:" + clickhousePort();
    }

    private static void run(String script, String arg) {
        runScript(java.util.Map.of(), script, arg);
    }

    /** Runs one of the project's scripts with extra environment; returns its output, throws on failure. */
    public static String runScript(java.util.Map<String, String> env, String script, String... args) {
        refuseInUnitTests(script);
        try {
            List<String> command = new java.util.ArrayList<>();
            command.add(projectRoot().resolve(script).toString());
            command.addAll(List.of(args));
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            builder.environment().putAll(env);
            Process p = builder.start();
            String output = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(15, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new IllegalStateException(script + " " + String.join(" ", args) + " failed:\n" + output);
            }
            return output;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + script, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * {@code mvn test} runs the unit tests alone, quickly and without servers; a test that needs
     * them is named {@code *IT} and runs in {@code mvn verify}'s integration phase.
     */
    public static void refuseInUnitTests(String what) {
        if (Boolean.getBoolean("ferry.tests.unit")) {
            throw new IllegalStateException("a unit test asked for " + what + ": tests that need servers are named *IT"
                    + " and run in mvn verify's integration phase");
        }
    }
}
