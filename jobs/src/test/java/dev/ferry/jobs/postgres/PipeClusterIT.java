package dev.ferry.jobs.postgres;

import static dev.ferry.jobs.postgres.PipeTestKit.awaitEqual;
import static dev.ferry.jobs.postgres.PipeTestKit.awaitState;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.jobs.FerryCli;
import dev.ferry.jobs.FlinkTestCluster;
import dev.ferry.operators.clickhouse.ClickHouseStatusTables.TableProgressRow;
import dev.ferry.operators.clickhouse.ClickHouseStatusTables;
import dev.ferry.operators.postgres.setup.PostgresCatalog;
import dev.ferry.state.lifecycle.PipeState;
import dev.ferry.state.schema.TableSchema;
import dev.ferry.state.spec.DestinationTable;
import dev.ferry.state.spec.TableSpec;
import dev.ferry.testing.ClickHouseTestDatabase;
import dev.ferry.testing.PostgresTestDatabase;
import dev.ferry.testing.TableComparison;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pipes on the local session cluster (JobManager and TaskManager as their own processes), driven
 * through the {@code ferry} CLI exactly as a user drives them: the job jar is uploaded over REST and
 * every operation goes through the pipe catalog.
 */
class PipeClusterIT {
    private static final Duration MINUTE = Duration.ofMinutes(1);
    private static final Duration LONG = Duration.ofMinutes(3);

    private PostgresTestDatabase pg;
    private ClickHouseTestDatabase ch;
    private FerryCli cli;
    @TempDir
    Path dir;

    @BeforeAll
    static void cluster() {
        FlinkTestCluster.start();
    }

    @BeforeEach
    void databases() {
        pg = new PostgresTestDatabase("cluster");
        ch = new ClickHouseTestDatabase("cluster");
        cli = new FerryCli(ch);
    }

    @AfterEach
    void drop() {
        // A test that failed half-way leaves its pipe running; stop it before its databases go.
        for (String pipe : List.of("flow", "frozen", "steady", "broken")) {
            cli.run("delete", pipe);
        }
        ch.close();
        pg.close();
    }

    @Test
    void createPauseResumeAddTablesResyncRemoveDelete() throws Exception {
        SteadyWriters.fill(pg, 100_000);
        pg.execute("CREATE TABLE orders (id bigint PRIMARY KEY, item text NOT NULL, qty int)",
                "ALTER TABLE orders REPLICA IDENTITY FULL",
                "INSERT INTO orders SELECT g, 'item ' || g, g % 17 FROM generate_series(1, 50000) g",
                "CREATE TABLE visits (who text, page int)",
                "INSERT INTO visits SELECT 'v' || g % 100, g % 7 FROM generate_series(1, 30000) g");
        Path spec = spec("flow", "[public.accounts, public.visits]",
                "{sync_interval_seconds: 1, snapshot_num_rows_per_partition: 20000, initial_load_parallelism: 2}");

        cli.ok("create", spec.toString(), "--flink", FlinkTestCluster.url());
        awaitState(ch, "flow", PipeState.RUNNING, LONG);
        awaitEqual(pg, ch, schema("accounts"), "accounts", MINUTE);
        pg.execute("UPDATE accounts SET note = 'while running' WHERE id % 10 = 0", "DELETE FROM accounts WHERE id % 97 = 0");
        awaitEqual(pg, ch, schema("accounts"), "accounts", MINUTE);
        assertThat(cli.ok("status", "flow")).contains("flow: Running", "Flink job", "slot ferry_flow (streaming")
                .containsPattern("lag ([0-9.]+ s|unknown) \\([0-9,]+ bytes\\)").doesNotContain("retrying since");
        assertThat(cli.ok("list")).contains("flow", "Running");

        // Writes made while paused arrive after resume.
        assertThat(cli.ok("pause", "flow")).contains("Paused");
        assertThat(cli.lastState("flow")).isEqualTo(PipeState.PAUSED);
        pg.execute("UPDATE accounts SET note = 'while paused' WHERE id % 10 = 1",
                "DELETE FROM accounts WHERE id % 89 = 0",
                "INSERT INTO accounts (id, owner) SELECT g, 'paused ' || g FROM generate_series(200001, 201000) g");
        Thread.sleep(3_000);
        assertThat(compare("accounts").equal()).as("nothing flows while paused").isFalse();
        cli.ok("edit", "flow", "--set", "pull_batch_size=50000", "--set", "sync_interval_seconds=2");
        cli.ok("resume", "flow");
        awaitState(ch, "flow", PipeState.RUNNING, MINUTE);
        awaitEqual(pg, ch, schema("accounts"), "accounts", MINUTE);
        assertThat(checkpointIntervalMillis("flow")).as("the edited sync interval applies").isEqualTo(2_000);

        // A new table gets its initial load while the first keeps streaming.
        cli.ok("add-tables", "flow", "public.orders");
        pg.execute("UPDATE accounts SET note = 'while adding' WHERE id % 10 = 2");
        awaitState(ch, "flow", PipeState.RUNNING, LONG);
        pg.execute("UPDATE orders SET qty = qty + 1 WHERE id % 5 = 0", "DELETE FROM orders WHERE id % 101 = 0");
        awaitEqual(pg, ch, schema("orders"), "orders", MINUTE);
        awaitEqual(pg, ch, schema("accounts"), "accounts", MINUTE);

        // Resync of one table: a row that should not be there proves the reload; readers of the table
        // see it whole throughout.
        ch.execute("INSERT INTO `" + ch.name() + "`.accounts (id, owner, _version, _is_deleted) VALUES (-1, 'stray', 1, 0)");
        assertThat(compare("accounts").equal()).isFalse();
        try (TableWatch watch = new TableWatch(ch, "accounts")) {
            cli.ok("resync", "flow", "--table", "public.accounts");
            assertThat(cli.lastState("flow")).isEqualTo(PipeState.RESYNC);
            pg.execute("UPDATE accounts SET note = 'while resyncing' WHERE id % 10 = 3");
            awaitState(ch, "flow", PipeState.RUNNING, LONG);
            awaitEqual(pg, ch, schema("accounts"), "accounts", MINUTE);
            watch.assertAlwaysServed();
        }
        assertThat(ch.count("SELECT count() FROM system.tables WHERE database = '" + ch.name()
                + "' AND name LIKE '%resync%'")).isZero();
        awaitEqual(pg, ch, schema("orders"), "orders", MINUTE);

        // A keyless table is copied again by the change stream: inserts before, during and after it land once.
        pg.execute("INSERT INTO visits SELECT 'before', g FROM generate_series(1, 500) g");
        cli.ok("resync", "flow", "--table", "public.visits");
        pg.execute("INSERT INTO visits SELECT 'during', g FROM generate_series(1, 500) g");
        awaitState(ch, "flow", PipeState.RUNNING, LONG);
        pg.execute("INSERT INTO visits SELECT 'after', g FROM generate_series(1, 500) g");
        awaitEqual(pg, ch, schema("visits"), "visits", MINUTE);
        assertThat(ch.count("SELECT count() FROM `" + ch.statusDatabase() + "`.pipe_states WHERE pipe = 'flow'"
                + " AND reason LIKE 'public.visits: copied again%'")).isPositive();

        // A removed table stops receiving changes and keeps its data.
        cli.ok("remove-tables", "flow", "public.orders");
        awaitState(ch, "flow", PipeState.RUNNING, MINUTE);
        long ordersBefore = ch.count("SELECT count() FROM `" + ch.name() + "`.orders FINAL WHERE _is_deleted = 0");
        pg.execute("DELETE FROM orders WHERE id <= 1000", "UPDATE accounts SET note = 'after removal' WHERE id % 10 = 4");
        awaitEqual(pg, ch, schema("accounts"), "accounts", MINUTE);
        assertThat(ch.count("SELECT count() FROM `" + ch.name() + "`.orders FINAL WHERE _is_deleted = 0"))
                .isEqualTo(ordersBefore);
        assertThat(publicationTables("ferry_flow")).containsExactlyInAnyOrder("accounts", "visits");

        // Added back, it is loaded into a copy that replaces its old table: rows deleted meanwhile are gone.
        cli.ok("add-tables", "flow", "public.orders");
        awaitState(ch, "flow", PipeState.RUNNING, LONG);
        pg.execute("UPDATE orders SET qty = -qty WHERE id % 7 = 0");
        awaitEqual(pg, ch, schema("orders"), "orders", MINUTE);

        cli.ok("delete", "flow");
        assertThat(slots()).doesNotContain("ferry_flow");
        assertThat(publicationTables("ferry_flow")).isEmpty();
        assertThat(cli.fail("status", "flow")).contains("no pipe named flow");
        assertThat(ch.count("SELECT count() FROM `" + ch.name() + "`.accounts")).isPositive();

        assertThat(cli.history("flow")).containsExactly(
                "Provisioning", "Setup", "Snapshot", "Running",
                "Pausing", "Paused", "Running",
                "Pausing", "Paused", "Modifying", "Snapshot", "Running",
                "Pausing", "Paused", "Resync", "Running",
                "Pausing", "Paused", "Resync", "Running",
                "Pausing", "Paused", "Modifying", "Running",
                "Pausing", "Paused", "Modifying", "Snapshot", "Running");
    }

    /**
     * Table options changed on a running pipe: a new sorting key, partition and excluded column resync
     * the table into a copy made with them (swapped in, equal to the source, writes going on); a view
     * and ignored deletes apply when the job restarts.
     */
    @Test
    void tableOptionsChangeOnARunningPipe() throws Exception {
        pg.execute("CREATE TABLE orders (id bigint PRIMARY KEY, status text, qty int, secret text, created date)",
                "ALTER TABLE orders REPLICA IDENTITY FULL",
                "INSERT INTO orders SELECT g, 's' || g % 6, g % 17, 'x' || g, date '2024-01-01' + g % 300"
                        + " FROM generate_series(1, 40000) g");
        cli.ok("create", spec("flow", "[public.orders]", "{sync_interval_seconds: 1}").toString(), "--flink",
                FlinkTestCluster.url());
        awaitState(ch, "flow", PipeState.RUNNING, LONG);
        awaitEqual(pg, ch, schema("orders"), "orders", MINUTE);

        assertThat(cli.fail("edit", "flow", "--table", "public.orders", "--set", "order_by=[status]"))
                .contains("public.orders: order_by must hold its key column id");
        assertThat(cli.fail("edit", "flow", "--table", "public.orders", "--set", "order_by=[status, id]",
                "--set", "partition_by=toYear(created)"))
                .contains("public.orders: partition_by reads created, which the sorting key lacks");
        assertThat(ch.count("SELECT count() FROM system.tables WHERE database = '" + ch.name() + "' AND name LIKE 'orders_%'"))
                .as("the scratch table is gone").isZero();
        assertThat(cli.ok("edit", "flow", "--table", "public.orders", "--set", "exclude_columns=[secret]",
                "--set", "order_by=[status, created, id]", "--set", "partition_by=toYear(created)"))
                .contains("resyncing public.orders");
        pg.execute("UPDATE orders SET status = 'moved' WHERE id % 9 = 0", "DELETE FROM orders WHERE id % 31 = 0");
        awaitState(ch, "flow", PipeState.RUNNING, LONG);
        pg.execute("UPDATE orders SET status = status || '+', created = created + 40 WHERE id % 7 = 0");
        TableSchema kept;
        try (Connection c = pg.connect()) {
            kept = PostgresCatalog.read(c, new TableSpec("public", "orders", "orders", List.of("secret"),
                    DestinationTable.DEFAULT), true).schema();
        }
        awaitEqual(pg, ch, kept, "orders", MINUTE);
        assertThat(ch.query("SELECT sorting_key, partition_key FROM system.tables WHERE database = '" + ch.name()
                + "' AND name = 'orders'").stream().map(r -> r.getString(1) + " | " + r.getString(2)))
                .containsExactly("status, created, id | toYear(created)");
        assertThat(ch.count("SELECT count() FROM system.columns WHERE database = '" + ch.name()
                + "' AND table = 'orders' AND name = 'secret'")).isZero();

        assertThat(cli.ok("edit", "flow", "--table", "public.orders", "--set", "current_view=orders_now",
                "--set", "deletes=ignore")).contains("applied");
        awaitState(ch, "flow", PipeState.RUNNING, MINUTE);
        long before = ch.count("SELECT count() FROM `" + ch.name() + "`.orders FINAL WHERE _is_deleted = 0");
        pg.execute("DELETE FROM orders WHERE id <= 500", "INSERT INTO orders (id, status) VALUES (50001, 'last')");
        long deadline = System.currentTimeMillis() + MINUTE.toMillis();
        String arrived = "SELECT count() FROM system.tables WHERE database = '" + ch.name() + "' AND name = 'orders_now'"
                + " AND (SELECT count() FROM `" + ch.name() + "`.orders FINAL WHERE id = 50001) = 1";
        while (ch.count(arrived) == 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(500); // the view is made when the restarted job's writer opens
        }
        assertThat(ch.count("SELECT count() FROM `" + ch.name() + "`.orders_now")).as("deleted rows kept")
                .isEqualTo(before + 1);
        assertThat(cli.history("flow")).endsWith("Pausing", "Paused", "Resync", "Running", "Pausing", "Paused",
                "Running");

        // a sorting column renamed at the source stops the pipe with the fix, and the fix mends it
        pg.execute("ALTER TABLE orders RENAME COLUMN status TO state", "UPDATE orders SET qty = qty + 1 WHERE id % 5 = 0");
        assertThat(awaitFailed("flow")).contains("public.orders: status, in its order_by, is no longer a column at"
                + " the source");
        assertThat(cli.ok("edit", "flow", "--table", "public.orders", "--set", "order_by=[state, created, id]"))
                .contains("resyncing public.orders");
        awaitState(ch, "flow", PipeState.RUNNING, LONG);
        pg.execute("UPDATE orders SET state = 'after' WHERE id % 11 = 0");
        try (Connection c = pg.connect()) {
            kept = PostgresCatalog.read(c, new TableSpec("public", "orders", "orders", List.of("secret"),
                    DestinationTable.DEFAULT), true).schema();
        }
        awaitEqual(pg, ch, kept, "orders", MINUTE);
        assertThat(ch.query("SELECT sorting_key FROM system.tables WHERE database = '" + ch.name() + "' AND name = 'orders'")
                .get(0).getString(1)).isEqualTo("state, created, id");
    }

    /**
     * Paused during the initial load, the pipe resumes the load where the savepoint left it: finished
     * partitions are not read again, so the rows written by the load are exactly the table's rows.
     */
    @Test
    void pauseDuringTheInitialLoadContinuesWhereItStopped() throws Exception {
        SteadyWriters.fill(pg, 1_000_000);
        cli.ok("create", spec("flow", "[accounts]", "{sync_interval_seconds: 1, snapshot_num_rows_per_partition: 50000,"
                + " initial_load_parallelism: 1, pull_batch_size: 2000}").toString(), "--flink", FlinkTestCluster.url());
        ClickHouseStatusTables status = new ClickHouseStatusTables(ch.client(), ch.statusDatabase());
        long deadline = System.currentTimeMillis() + LONG.toMillis();
        while (status.progress("flow").stream().mapToLong(t -> t.partitionsDone()).sum() < 2) {
            assertThat(System.currentTimeMillis()).as("two partitions loaded").isLessThan(deadline);
            Thread.sleep(100);
        }
        cli.ok("pause", "flow");
        TableProgressRow paused = status.progress("flow").get(0);
        assertThat(paused.partitionsDone()).as("paused mid-load").isLessThan(paused.partitionsTotal());
        cli.ok("resume", "flow");
        awaitState(ch, "flow", PipeState.RUNNING, LONG);
        TableProgressRow done = status.progress("flow").get(0);
        assertThat(done.partitionsDone()).isEqualTo(done.partitionsTotal());
        assertThat(done.rowsSnapshotted()).as("no row loaded twice").isEqualTo(1_000_000);
        awaitEqual(pg, ch, schema("accounts"), "accounts", MINUTE);
        assertThat(cli.history("flow")).containsExactly(
                "Provisioning", "Setup", "Snapshot", "Pausing", "Paused", "Snapshot", "Running");
    }

    @Test
    void illegalOperationsAreRefusedAndChangeNothing() throws Exception {
        pg.execute("CREATE TABLE items (id int PRIMARY KEY, v text)", "ALTER TABLE items REPLICA IDENTITY FULL",
                "INSERT INTO items SELECT g, 'v' || g FROM generate_series(1, 1000) g");
        cli.ok("create", spec("frozen", "[items]", "{replication_mode: snapshot}").toString(), "--flink", FlinkTestCluster.url());
        cli.ok("create", spec("steady", "[items]", "{sync_interval_seconds: 1}").toString(), "--flink", FlinkTestCluster.url());
        awaitState(ch, "frozen", PipeState.COMPLETED, LONG);
        awaitState(ch, "steady", PipeState.RUNNING, LONG);
        List<String> frozen = cli.history("frozen");
        List<String> steady = cli.history("steady");

        assertThat(cli.fail("resume", "steady")).contains("Running", "Paused");
        assertThat(cli.fail("pause", "frozen")).contains("Completed");
        assertThat(cli.fail("edit", "steady", "--set", "sync_interval_seconds=5")).contains("only while it is Paused");
        assertThat(cli.fail("create", spec("steady", "[items]", "{}").toString(), "--flink", FlinkTestCluster.url()))
                .contains("exists");
        assertThat(cli.fail("status", "nosuch")).contains("no pipe named nosuch");
        assertThat(cli.fail("pause", "nosuch")).contains("no pipe named nosuch");
        assertThat(cli.fail("remove-tables", "steady", "public.items")).contains("at least one table");
        assertThat(cli.fail("add-tables", "steady", "public.missing")).contains("missing");
        cli.ok("pause", "steady");
        steady = cli.history("steady");
        assertThat(cli.fail("edit", "steady", "--set", "snapshot_num_rows_per_partition=5")).contains("fixed when a pipe is created");
        assertThat(cli.fail("edit", "steady", "--set", "sync_interval_seconds=0")).contains("sync_interval_seconds");
        assertThat(cli.fail("edit", "steady", "--set", "no_such_setting=1")).contains("no setting no_such_setting");

        assertThat(cli.history("frozen")).isEqualTo(frozen);
        assertThat(cli.history("steady")).isEqualTo(steady);
        assertThat(cli.ok("status", "steady")).contains("Paused");
        // The refused edits left the spec as it was.
        cli.ok("resume", "steady");
        awaitState(ch, "steady", PipeState.RUNNING, MINUTE);
        pg.execute("UPDATE items SET v = 'after' WHERE id < 100");
        awaitEqual(pg, ch, schema("items"), "items", MINUTE);
    }

    @Test
    void killedTaskManagerLosesNothing() throws Exception {
        SteadyWriters.fill(pg, 200_000);
        cli.ok("create", spec("steady", "[accounts]", "{sync_interval_seconds: 1}").toString(), "--flink", FlinkTestCluster.url());
        awaitState(ch, "steady", PipeState.RUNNING, LONG);
        long operations;
        try (SteadyWriters writers = new SteadyWriters(pg, 200_000, 2, 3)) {
            Thread.sleep(3_000);
            FlinkTestCluster.killTaskManager();
            Thread.sleep(2_000);
            FlinkTestCluster.startTaskManager();
            Thread.sleep(10_000);
            operations = writers.operations();
        }
        TableComparison.Result r = awaitEqual(pg, ch, schema("accounts"), "accounts", Duration.ofMinutes(2));
        System.out.printf("equal after a TaskManager kill -9 under %,d writes: %s%n", operations, r);
        assertThat(cli.ok("status", "steady")).contains("Running", "(RUNNING)");
    }

    /** Polls {@code ferry status} (which notices a failed job) until the pipe is Failed; returns the status. */
    private String awaitFailed(String pipe) throws InterruptedException {
        String status = "";
        long deadline = System.currentTimeMillis() + LONG.toMillis();
        while (!status.contains(pipe + ": Failed") && System.currentTimeMillis() < deadline) {
            Thread.sleep(1_000);
            status = cli.ok("status", pipe);
        }
        assertThat(status).contains(pipe + ": Failed");
        return status;
    }

    @Test
    void pipeFailsForGoodWhenItsSlotIsDroppedAndResyncRecoversIt() throws Exception {
        pg.execute("CREATE TABLE items (id int PRIMARY KEY, v text)", "ALTER TABLE items REPLICA IDENTITY FULL",
                "INSERT INTO items SELECT g, 'v' || g FROM generate_series(1, 5000) g");
        cli.ok("create", spec("broken", "[items]", "{sync_interval_seconds: 1}").toString(), "--flink", FlinkTestCluster.url());
        awaitState(ch, "broken", PipeState.RUNNING, LONG);
        pg.dropActiveSlot("ferry_broken");
        assertThat(awaitFailed("broken")).contains("replication slot ferry_broken was dropped");

        pg.execute("UPDATE items SET v = 'lost while failed' WHERE id % 3 = 0", "DELETE FROM items WHERE id % 7 = 0");
        assertThat(cli.fail("resync", "broken", "--table", "public.items")).contains("resync the whole pipe");
        cli.ok("resync", "broken");
        awaitState(ch, "broken", PipeState.RUNNING, LONG);
        pg.execute("UPDATE items SET v = 'after resync' WHERE id % 5 = 0");
        awaitEqual(pg, ch, schema("items"), "items", MINUTE);
        assertThat(cli.history("broken")).endsWith("Running", "Failed", "Resync", "Running");
    }

    // --- helpers

    private Path spec(String pipe, String tables, String settings) throws Exception {
        Path file = dir.resolve(pipe + ".yaml");
        Files.writeString(file, "name: " + pipe + "\n" + pg.sourceYaml() + ch.destinationYaml() + "tables: " + tables
                + "\nsettings: " + settings + "\n", StandardCharsets.UTF_8);
        return file;
    }

    /** The checkpoint interval of the pipe's running job, as Flink reports it. */
    private long checkpointIntervalMillis(String pipe) throws Exception {
        java.util.regex.Matcher job = java.util.regex.Pattern.compile("Flink job ([0-9a-f]{32})").matcher(cli.ok("status", pipe));
        assertThat(job.find()).isTrue();
        java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(FlinkTestCluster.url() + "/jobs/" + job.group(1)
                        + "/checkpoints/config")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body()).path("interval").asLong();
    }

    private TableSchema schema(String table) throws Exception {
        try (Connection c = pg.connect()) {
            return PostgresCatalog.read(c, new TableSpec("public", table, table), true).schema();
        }
    }

    private TableComparison.Result compare(String table) throws Exception {
        try (Connection c = pg.connect()) {
            return TableComparison.compare(c, table, ch, schema(table));
        }
    }

    private List<String> slots() throws Exception {
        return strings("SELECT slot_name FROM pg_replication_slots");
    }

    private List<String> publicationTables(String publication) throws Exception {
        return strings("SELECT tablename FROM pg_publication_tables WHERE pubname = '" + publication + "' ORDER BY 1");
    }

    private List<String> strings(String sql) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = pg.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    /** Queries a destination table in a loop: it must answer, and never come up empty. */
    private static final class TableWatch implements AutoCloseable {
        private final Thread thread;
        private final AtomicLong queries = new AtomicLong();
        private final AtomicLong emptyAnswers = new AtomicLong();
        private final AtomicReference<Throwable> error = new AtomicReference<>();
        private volatile boolean stop;

        TableWatch(ClickHouseTestDatabase ch, String table) {
            thread = new Thread(() -> {
                while (!stop) {
                    try {
                        if (ch.count("SELECT count() FROM `" + ch.name() + "`.`" + table + "`") == 0) {
                            emptyAnswers.incrementAndGet();
                        }
                        queries.incrementAndGet();
                        Thread.sleep(50);
                    } catch (Throwable t) {
                        error.compareAndSet(null, t);
                    }
                }
            }, "watch-" + table);
            thread.setDaemon(true);
            thread.start();
        }

        void assertAlwaysServed() {
            assertThat(error.get()).as("a query failed").isNull();
            assertThat(emptyAnswers.get()).isZero();
            assertThat(queries.get()).isGreaterThan(10);
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            thread.join(5_000);
        }
    }
}
