package dev.ferry.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.jobs.postgres.PostgresPipeSetup;
import dev.ferry.operators.PipeSetupException;
import dev.ferry.operators.postgres.setup.PostgresCatalog.SourceTable;
import dev.ferry.operators.postgres.setup.PostgresCatalog;
import dev.ferry.state.spec.PipeSpec;
import dev.ferry.state.spec.PipeSpecParser;
import dev.ferry.testing.ClickHouseTestDatabase;
import dev.ferry.testing.LocalServers;
import dev.ferry.testing.PostgresTestDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.PGReplicationStream;

/** Setups that cannot follow changes fail before anything is created, with one clear line. */
class CdcSetupBadInputIT {
    private PostgresTestDatabase pg;
    private ClickHouseTestDatabase ch;

    @BeforeEach
    void databases() {
        pg = new PostgresTestDatabase("cdcbad");
        ch = new ClickHouseTestDatabase("cdcbad");
        pg.execute("CREATE TABLE t (id int PRIMARY KEY, body text)", "ALTER TABLE t REPLICA IDENTITY FULL");
    }

    @AfterEach
    void drop() {
        ch.close();
        pg.close();
    }

    private PipeSpec spec(String name, String source, String tables) {
        return PipeSpecParser.parse("name: " + name + "\n" + source + ch.destinationYaml() + "tables: " + tables + "\n",
                Map.of());
    }

    private void assertNothingCreated(String pipe) throws Exception {
        assertThat(ch.count("SELECT count() FROM system.databases WHERE name = '" + ch.name() + "'")).isZero();
        try (Connection c = pg.connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT (SELECT count(*) FROM pg_publication WHERE pubname = 'ferry_" + pipe
                        + "') + (SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'ferry_" + pipe + "')")) {
            rs.next();
            assertThat(rs.getInt(1)).isZero();
        }
    }

    @Test
    void replicaIdentityNothingIsRefusedBecausePostgresWouldRefuseUpdates() throws Exception {
        pg.execute("ALTER TABLE t REPLICA IDENTITY NOTHING");
        assertThatThrownBy(() -> PostgresPipeSetup.run(spec("nothing", pg.sourceYaml(), "[t]")))
                .isInstanceOf(PipeSetupException.class)
                .hasMessage("public.t has REPLICA IDENTITY NOTHING: in a publication, Postgres would refuse its UPDATE"
                        + " and DELETE statements; run ALTER TABLE \"public\".\"t\" REPLICA IDENTITY DEFAULT");
        assertNothingCreated("nothing");
    }

    @Test
    void deferrablePrimaryKeyWithoutAnotherIdentityIsRefused() throws Exception {
        pg.execute("CREATE TABLE d (id int, v text, CONSTRAINT d_pk PRIMARY KEY (id) DEFERRABLE)");
        assertThatThrownBy(() -> PostgresPipeSetup.run(spec("deferrable", pg.sourceYaml(), "[d]")))
                .isInstanceOf(PipeSetupException.class)
                .hasMessage("public.d's primary key is DEFERRABLE, so changes of one key cannot be ordered by their WAL"
                        + " positions: make it NOT DEFERRABLE, or ALTER TABLE \"public\".\"d\" REPLICA IDENTITY USING"
                        + " INDEX <a non-deferrable unique index on NOT NULL columns>");
        assertNothingCreated("deferrable");
    }

    /**
     * Sorting keys that could leave a row's old version visible are refused: without the key, with
     * sorting columns beyond the key whose old values changes do not log, a partition outside the
     * sorting key, keyless tables.
     */
    @Test
    void destinationKeysThatCannotReplaceRowsAreRefused() throws Exception {
        pg.execute("CREATE TABLE k (id int PRIMARY KEY, kind text, at date)", "CREATE TABLE nokey (a int, b text)");
        assertThatThrownBy(() -> PostgresPipeSetup.run(spec("keysnokey", pg.sourceYaml(),
                "[{source: k, order_by: [kind, Missing]}, {source: t, order_by: [body]}]")))
                .isInstanceOf(PipeSetupException.class)
                .hasMessage("public.k: order_by names missing, which is not a column it replicates; public.t: order_by"
                        + " must hold its key column id, so that a row's versions replace each other: add id to order_by");
        assertNothingCreated("keysnokey");
        assertThatThrownBy(() -> PostgresPipeSetup.run(spec("keysidentity", pg.sourceYaml(),
                "[{source: k, order_by: [kind, at, id]}, {source: nokey, order_by: [a]}]")))
                .isInstanceOf(PipeSetupException.class)
                .hasMessage("public.k: order_by columns kind, at beyond its key need the old values logged with each"
                        + " change: ALTER TABLE \"public\".\"k\" REPLICA IDENTITY FULL (or sort by key columns only);"
                        + " public.nokey has no primary key, so its rows are keyed by their position, which order_by and"
                        + " primary_key cannot name: add a primary key to sort it by columns");
        assertNothingCreated("keysidentity");
        assertThatThrownBy(() -> PostgresPipeSetup.run(spec("keyspart", pg.sourceYaml(),
                "[{source: k, order_by: [id], partition_by: 'toYYYYMM(at)'}]")))
                .isInstanceOf(PipeSetupException.class)
                .hasMessageEndingWith("public.k: partition_by reads at, which the sorting key lacks, so a row whose value"
                        + " changes would stay in its old partition too: add at to order_by, or partition by sorting"
                        + " columns");
        assertThat(ch.count("SELECT count() FROM system.tables WHERE database = '" + ch.name() + "' AND name = 'k'"))
                .as("the refused table is dropped again").isZero();
    }

    @Test
    void excludingAKeyColumnOrAColumnTheTableLacksIsRefused() throws Exception {
        assertThatThrownBy(() -> PostgresPipeSetup.run(spec("exclkey", pg.sourceYaml(),
                "[{source: t, exclude_columns: [ID]}]")))
                .isInstanceOf(PipeSetupException.class)
                .hasMessage("public.t: exclude_columns names id, which keys its changes (primary key or replica"
                        + " identity): keep key columns in the pipe");
        assertNothingCreated("exclkey");
        assertThatThrownBy(() -> PostgresPipeSetup.run(spec("exclmissing", pg.sourceYaml(),
                "[{source: t, exclude_columns: [Body, '\"Body\"', mail]}]")))
                .isInstanceOf(PipeSetupException.class)
                .hasMessage("public.t has no column Body, mail (exclude_columns names columns as they are in the table)");
        assertNothingCreated("exclmissing");
        // A snapshot-only pipe keys rows by any unique index it may: one without excluded columns.
        pg.execute("CREATE TABLE s (a int NOT NULL UNIQUE, b int NOT NULL UNIQUE, v text)");
        List<SourceTable> tables = PostgresPipeSetup.run(PipeSpecParser.parse("name: exclsnap\n" + pg.sourceYaml()
                + ch.destinationYaml() + "tables: [{source: s, exclude_columns: a}]\nsettings: {replication_mode: snapshot}\n",
                Map.of()));
        assertThat(tables.get(0).schema().key()).containsExactly("b");
        assertThat(tables.get(0).schema().columns()).extracting(c -> c.name()).containsExactly("b", "v");
        assertThat(tables.get(0).selectExpressions()).noneMatch(e -> e.contains("\"a\""));
    }

    /**
     * Without a primary key Postgres logs no row identity, whatever unique indexes the table has: the
     * table is taken as keyless (its inserts followed, keyed by row position), not by the index.
     */
    @Test
    void uniqueIndexWithoutReplicaIdentityIsKeyless() throws Exception {
        pg.execute("CREATE TABLE u (code text NOT NULL UNIQUE, v text)");
        List<SourceTable> tables = PostgresPipeSetup.run(spec("unique", pg.sourceYaml(), "[u]"));
        assertThat(tables.get(0).positionKeyed()).isTrue();
        assertThat(tables.get(0).schema().key()).containsExactly(PostgresCatalog.CTID_COLUMN);
    }

    @Test
    void userWithoutReplicationRight() throws Exception {
        pg.execute("DROP ROLE IF EXISTS ferry_noperm", "CREATE ROLE ferry_noperm LOGIN PASSWORD 'pw'",
                "GRANT SELECT ON t TO ferry_noperm");
        try {
            String source = "source: {type: postgres, host: 127.0.0.1, port: " + LocalServers.postgresPort()
                    + ", database: " + pg.name() + ", user: ferry_noperm, password: pw}\n";
            assertThatThrownBy(() -> PostgresPipeSetup.run(spec("noperm", source, "[t]")))
                    .hasMessageContaining("user ferry_noperm may not replicate: ALTER ROLE ferry_noperm REPLICATION");
            assertNothingCreated("noperm");
        } finally {
            pg.execute("DROP OWNED BY ferry_noperm", "DROP ROLE ferry_noperm");
        }
    }

    @Test
    void slotInUseByAnotherConsumer() throws Exception {
        pg.execute("SELECT pg_create_logical_replication_slot('ferry_busy', 'pgoutput')",
                "CREATE PUBLICATION other FOR TABLE t");
        Properties p = new Properties();
        PGProperty.USER.set(p, PostgresTestDatabase.USER);
        PGProperty.PASSWORD.set(p, PostgresTestDatabase.PASSWORD);
        PGProperty.REPLICATION.set(p, "database");
        PGProperty.ASSUME_MIN_SERVER_VERSION.set(p, "10");
        PGProperty.PREFER_QUERY_MODE.set(p, "simple");
        PGProperty.APPLICATION_NAME.set(p, "someone-else");
        try (Connection replication = DriverManager.getConnection(
                        "jdbc:postgresql://127.0.0.1:" + LocalServers.postgresPort() + "/" + pg.name(), p);
                PGReplicationStream stream = replication.unwrap(PGConnection.class).getReplicationAPI()
                        .replicationStream().logical().withSlotName("ferry_busy")
                        .withSlotOption("proto_version", 1).withSlotOption("publication_names", "other").start()) {
            stream.readPending();
            assertThatThrownBy(() -> PostgresPipeSetup.run(spec("busy", pg.sourceYaml(), "[t]")))
                    .hasMessageContaining("replication slot ferry_busy is in use by another consumer (pid ")
                    .hasMessageContaining("someone-else");
        }
        assertThat(ch.count("SELECT count() FROM system.databases WHERE name = '" + ch.name() + "'")).isZero();
    }

    /** A second throwaway cluster with wal_level = replica, from the same script. */
    @Test
    void walLevelReplica(@TempDir Path home) throws Exception {
        Map<String, String> env = Map.of("FERRY_LOCAL_HOME", home.toString(), "FERRY_PG_PORT", "15499",
                "FERRY_PG_WAL_LEVEL", "replica");
        home.toFile().setExecutable(true, false);
        home.toFile().setReadable(true, false);
        script(env, "start");
        try {
            String source = "source: {type: postgres, host: 127.0.0.1, port: 15499, database: postgres,"
                    + " user: postgres, password: postgres}\n";
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:15499/postgres", "postgres",
                    "postgres"); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE t (id int PRIMARY KEY)");
            }
            assertThatThrownBy(() -> PostgresPipeSetup.run(spec("replica", source, "[t]")))
                    .isInstanceOf(PipeSetupException.class)
                    .hasMessageContaining("has wal_level = replica; CDC needs wal_level = logical"
                            + " (ALTER SYSTEM SET wal_level = logical, then restart Postgres)");
        } finally {
            script(env, "stop");
        }
    }

    private static void script(Map<String, String> env, String command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(LocalServers.projectRoot().resolve("deploy/local/postgres.sh").toString(),
                command).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process process = pb.start();
        String out = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(process.exitValue()).as(out).isZero();
    }
}
