package dev.ferry.jobs.postgres;

import static dev.ferry.jobs.postgres.PipeTestKit.awaitEqual;
import static dev.ferry.jobs.postgres.PipeTestKit.awaitState;
import static dev.ferry.jobs.postgres.PipeTestKit.start;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.jobs.PipeRuns;
import dev.ferry.operators.clickhouse.ClickHouseStatusTables;
import dev.ferry.operators.postgres.setup.PostgresCatalog.SourceTable;
import dev.ferry.state.lifecycle.PipeRun;
import dev.ferry.state.lifecycle.PipeState;
import dev.ferry.state.spec.PipeSpec;
import dev.ferry.testing.ClickHouseTestDatabase;
import dev.ferry.testing.LocalServers;
import dev.ferry.testing.PostgresTestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** CDC on the tables users have: pgbench's schema, keyless insert-only tables, partitioned tables. */
class PostgresTableKindsIT {
    @RegisterExtension
    static final MiniClusterExtension FLINK = PipeTestKit.miniCluster(8);
    private static final Duration MINUTES = Duration.ofMinutes(3);
    private static final List<String> PGBENCH_TABLES =
            List.of("pgbench_accounts", "pgbench_branches", "pgbench_tellers", "pgbench_history");

    private PostgresTestDatabase pg;
    private ClickHouseTestDatabase ch;

    @BeforeEach
    void databases() {
        pg = new PostgresTestDatabase("kinds");
        ch = new ClickHouseTestDatabase("kinds");
    }

    @AfterEach
    void drop() {
        ch.close();
        pg.close();
    }

    /**
     * pgbench's four tables as {@code pgbench -i} makes them (default replica identity, history
     * without a key) under {@code pgbench -c 4} through the initial load and after it: the TaskManager
     * killed during the load, the pipe paused by a savepoint mid-load and resumed (the rest of the
     * load reads a newer snapshot), and the TaskManager killed again while streaming.
     * {@code -Dferry.pgbench.seconds=<n>} runs pgbench longer (default 40).
     */
    @Test
    void pgbenchTablesUnderPgbench(@InjectMiniCluster MiniCluster cluster, @TempDir Path savepoints) throws Exception {
        pgbench("-i", "-s", "5", "-q");
        pgbench("-n", "-c", "2", "-T", "3"); // history rows for the initial load too
        PipeSpec spec = PipeTestKit.spec("kinds_pgbench", pg, ch, PGBENCH_TABLES.toString(),
                "{snapshot_num_rows_per_partition: 25000, initial_load_parallelism: 1, sync_interval_seconds: 1}");
        List<SourceTable> tables = PostgresPipeSetup.run(spec);
        assertThat(tables.get(3).positionKeyed()).isTrue();
        JobID job = PipeTestKit.submit(cluster, spec, tables, null);
        CompletableFuture<String> bench = CompletableFuture.supplyAsync(() -> pgbench("-n", "-c", "4", "-j", "2", "-T",
                System.getProperty("ferry.pgbench.seconds", "40")));
        try {
            awaitLoadProgress(spec.name(), 2);
            PipeTestKit.loseTaskManager(cluster);
            cluster.startTaskManager();
            awaitLoadProgress(spec.name(), 4);
            String savepoint = PipeTestKit.stopWithSavepoint(cluster, job, savepoints);
            System.out.println("paused mid-load: " + new ClickHouseStatusTables(ch.client(), ch.statusDatabase())
                    .progress(spec.name()));
            Thread.sleep(2_000);
            job = PipeTestKit.submit(cluster, spec, tables, savepoint);
            awaitState(ch, spec.name(), PipeState.RUNNING, MINUTES);
            Thread.sleep(5_000);
            PipeTestKit.loseTaskManager(cluster);
            cluster.startTaskManager();
            String report = bench.get(3, TimeUnit.MINUTES);
            System.out.println(report.lines().filter(l -> l.startsWith("number of transactions actually processed")
                    || l.startsWith("tps")).toList());
            for (int i = 0; i < tables.size(); i++) {
                System.out.println(PGBENCH_TABLES.get(i) + ": "
                        + awaitEqual(pg, ch, tables.get(i).schema(), PGBENCH_TABLES.get(i), MINUTES));
            }
        } finally {
            cluster.cancelJob(job).get(1, TimeUnit.MINUTES);
        }
    }

    /**
     * A partitioned table (list partitions, one of them sub-partitioned by range) and a keyless one
     * land as one table each; partitions created while the pipe runs, tables holding rows attached
     * as partitions (their rows copied, later changes streamed), rows moving between partitions, and
     * duplicate rows are followed. On the oldest and newest Postgres too.
     */
    @ParameterizedTest(name = "Postgres {0}")
    @ValueSource(ints = {15, 13, 18})
    void partitionedTablesLandAsOneTable(int major) throws Exception {
        if (major != LocalServers.DEFAULT_POSTGRES) {
            pg.close();
            pg = new PostgresTestDatabase("kinds", major);
        }
        pg.execute("CREATE TABLE m (id int, region text, v text, PRIMARY KEY (id, region)) PARTITION BY LIST (region)",
                "CREATE TABLE m_eu PARTITION OF m FOR VALUES IN ('eu')",
                "CREATE TABLE m_us PARTITION OF m FOR VALUES IN ('us')",
                "CREATE TABLE m_asia PARTITION OF m FOR VALUES IN ('asia') PARTITION BY RANGE (id)",
                "CREATE TABLE m_asia_lo PARTITION OF m_asia FOR VALUES FROM (MINVALUE) TO (5000)",
                "CREATE TABLE m_asia_hi PARTITION OF m_asia FOR VALUES FROM (5000) TO (MAXVALUE)",
                "INSERT INTO m SELECT g, (ARRAY['eu', 'us', 'asia'])[1 + g % 3], 'v' || g FROM generate_series(1, 30000) g",
                "CREATE TABLE ev (at int NOT NULL, msg text) PARTITION BY RANGE (at)",
                "CREATE TABLE ev_1 PARTITION OF ev FOR VALUES FROM (0) TO (1000)",
                "CREATE TABLE ev_2 PARTITION OF ev FOR VALUES FROM (1000) TO (2000)",
                "INSERT INTO ev SELECT g % 1500, 'same' FROM generate_series(1, 20000) g",
                "ANALYZE");
        PipeSpec spec = PipeTestKit.spec("kinds_parts_" + major, pg, ch, "[m, ev]",
                "{snapshot_num_rows_per_partition: 2000, initial_load_parallelism: 2, sync_interval_seconds: 1}");
        List<SourceTable> tables = PostgresPipeSetup.run(spec);
        assertThat(tables.get(0).schema().key()).containsExactly("id", "region");
        assertThat(tables.get(1).positionKeyed()).isTrue();
        JobClient job = start(spec, tables);
        try {
            awaitState(ch, spec.name(), PipeState.RUNNING, MINUTES);
            var progress = new ClickHouseStatusTables(ch.client(), ch.statusDatabase()).progress(spec.name());
            System.out.println("initial load: " + progress);
            pg.execute("CREATE TABLE m_new PARTITION OF m FOR VALUES IN ('new')",
                    "INSERT INTO m SELECT g, 'new', 'n' FROM generate_series(1, 500) g",
                    "UPDATE m SET region = 'us' WHERE region = 'eu' AND id % 7 = 0",
                    "UPDATE m SET v = 'changed' WHERE id % 11 = 0",
                    "DELETE FROM m WHERE id % 13 = 0",
                    "CREATE TABLE ev_3 PARTITION OF ev FOR VALUES FROM (2000) TO (3000)",
                    "INSERT INTO ev SELECT 2000 + g % 10, 'later' FROM generate_series(1, 300) g",
                    "INSERT INTO ev VALUES (5, 'same'), (5, 'same'), (1005, 'same')");
            if (major > 13) { // Postgres 13 does not publish a partition attached while the stream runs (README)
                // tables holding rows attached: a plain one, a sub-partitioned one, a keyless one
                pg.execute("CREATE TABLE m_old (id int NOT NULL, region text NOT NULL, v text)",
                    "INSERT INTO m_old SELECT g, 'old', 'o' || g FROM generate_series(1, 700) g",
                    "UPDATE m_old SET v = 'before' WHERE id % 3 = 0",
                    "CREATE TABLE m_af (id int NOT NULL, region text NOT NULL, v text) PARTITION BY RANGE (id)",
                    "CREATE TABLE m_af_1 PARTITION OF m_af FOR VALUES FROM (MINVALUE) TO (MAXVALUE)",
                    "INSERT INTO m_af SELECT g, 'af', 'a' FROM generate_series(1, 400) g",
                    "CREATE TABLE ev_old (at int NOT NULL, msg text)",
                    "INSERT INTO ev_old SELECT 3000 + g % 10, 'old' FROM generate_series(1, 250) g",
                    "BEGIN; ALTER TABLE m ATTACH PARTITION m_old FOR VALUES IN ('old');"
                            + " ALTER TABLE m ATTACH PARTITION m_af FOR VALUES IN ('af');"
                            + " ALTER TABLE ev ATTACH PARTITION ev_old FOR VALUES FROM (3000) TO (4000); COMMIT",
                    "INSERT INTO m SELECT g, 'old', 'after' FROM generate_series(701, 800) g",
                    "UPDATE m SET v = 'after' WHERE region IN ('old', 'af') AND id % 5 = 0",
                    "DELETE FROM m WHERE region = 'af' AND id % 4 = 0",
                    "INSERT INTO ev SELECT 3000 + g % 10, 'old' FROM generate_series(1, 50) g");
            }
            System.out.println("m: " + awaitEqual(pg, ch, tables.get(0).schema(), "m", MINUTES));
            System.out.println("ev: " + awaitEqual(pg, ch, tables.get(1).schema(), "ev", MINUTES));
            // the attached partitions' rows are copied by now: later writes to them are streamed
            pg.execute("UPDATE m SET v = 'later' WHERE region IN ('old', 'af', 'new') AND id % 2 = 0",
                    "INSERT INTO m SELECT g, 'new', 'later' FROM generate_series(1001, 1100) g",
                    "INSERT INTO ev SELECT 2500 + g % 10, 'later' FROM generate_series(1, 40) g");
            if (major > 13) {
                pg.execute("INSERT INTO m SELECT g, 'af', 'later' FROM generate_series(1001, 1100) g",
                        "INSERT INTO ev SELECT 3500 + g % 10, 'later' FROM generate_series(1, 40) g");
            }
            System.out.println("m: " + awaitEqual(pg, ch, tables.get(0).schema(), "m", MINUTES));
            System.out.println("ev: " + awaitEqual(pg, ch, tables.get(1).schema(), "ev", MINUTES));
        } finally {
            job.cancel().get();
        }
    }

    /**
     * Keyless tables: every insert, duplicates kept; Postgres refuses UPDATE on one with the default
     * replica identity. With FULL identity, random inserts, updates and deletes of duplicated rows
     * ({@code -Dferry.keyless.seed}) run through the initial load (the change stream's copy of such a
     * table) and after it, with a TaskManager killed in between: the tables end equal as multisets.
     */
    @Test
    void keylessTablesFollowInsertsAndFullIdentityChanges(@InjectMiniCluster MiniCluster cluster) throws Exception {
        long seed = Long.getLong("ferry.keyless.seed", System.nanoTime());
        System.out.println("keyless seed: " + seed);
        java.util.Random random = new java.util.Random(seed);
        pg.execute("CREATE TABLE logs (level text, msg text, n int)",
                "INSERT INTO logs SELECT 'info', 'start', g % 3 FROM generate_series(1, 1000) g",
                "CREATE TABLE audit (who text, what text, n int, f float8, note text)",
                "ALTER TABLE audit REPLICA IDENTITY FULL",
                // few distinct contents: most rows have duplicates
                "INSERT INTO audit SELECT 'w' || g % 7, CASE WHEN g % 5 = 0 THEN NULL ELSE 'x' END, g % 4,"
                        + " CASE WHEN g % 11 = 0 THEN 'NaN'::float8 ELSE g % 3 END, NULL FROM generate_series(1, 20000) g");
        PipeSpec spec = PipeTestKit.spec("kinds_keyless", pg, ch, "[logs, audit]",
                "{sync_interval_seconds: 4, pull_batch_size: 50, snapshot_num_rows_per_partition: 2000, initial_load_parallelism: 1}");
        List<SourceTable> tables = PostgresPipeSetup.run(spec);
        assertThat(tables.get(1).positionKeyed()).isTrue();
        JobID job = PipeTestKit.submit(cluster, spec, tables, null);
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        // through the load (rows copied and not yet copied), a TaskManager kill and after both
        CompletableFuture<Integer> changes = keylessWrites(random, stop);
        try {
            awaitState(ch, spec.name(), PipeState.RUNNING, MINUTES);
            pg.execute("INSERT INTO logs VALUES ('warn', 'dup', 1), ('warn', 'dup', 1), ('warn', 'dup', 1)",
                    "INSERT INTO logs SELECT 'info', 'bulk', g % 5 FROM generate_series(1, 5000) g",
                    "BEGIN; INSERT INTO logs VALUES ('error', 'in tx', 0); SAVEPOINT s;"
                            + " INSERT INTO logs VALUES ('error', 'rolled back', 0); ROLLBACK TO s;"
                            + " INSERT INTO logs VALUES ('error', 'in tx', 0); COMMIT",
                    "COPY logs FROM PROGRAM 'yes copy,a,1 | head -n 500' WITH (FORMAT csv)"); // one WAL record, many rows
            assertThatThrownBy(() -> pg.execute("UPDATE logs SET n = 2 WHERE n = 1"))
                    .hasMessageContaining("replica identity");
            Thread.sleep(3_000);
            killTaskManagerThenCompare(cluster, stop, changes, tables);
            awaitState(ch, spec.name(), PipeState.RUNNING, MINUTES);
        } finally {
            cluster.cancelJob(job).get(1, TimeUnit.MINUTES);
        }
    }

    /**
     * A resync of keyless tables in a streaming pipe, under inserts, updates and deletes that go on
     * while it is paused, while the tables are copied again and after: the change stream copies them
     * (a load's snapshot could not tell the rows the stream also sends apart), with a TaskManager
     * kill during the copy. A row planted in ClickHouse shows the table was replaced; every row of
     * the source is there exactly as often as at the source.
     */
    @Test
    void keylessResyncUnderWritesIsExact(@InjectMiniCluster MiniCluster cluster, @TempDir Path savepoints) throws Exception {
        long seed = Long.getLong("ferry.keyless.seed", System.nanoTime());
        System.out.println("keyless resync seed: " + seed);
        java.util.Random random = new java.util.Random(seed);
        pg.execute("CREATE TABLE logs (level text, msg text, n int)",
                "INSERT INTO logs SELECT 'info', 'start', g % 3 FROM generate_series(1, 20000) g",
                "CREATE TABLE audit (who text, what text, n int, f float8, note text)",
                "ALTER TABLE audit REPLICA IDENTITY FULL",
                "INSERT INTO audit SELECT 'w' || g % 7, 'x', g % 4, g % 3, NULL FROM generate_series(1, 20000) g");
        PipeSpec spec = PipeTestKit.spec("kinds_resync", pg, ch, "[logs, audit]", "{sync_interval_seconds: 1}");
        List<SourceTable> tables = PostgresPipeSetup.run(spec);
        JobID job = PipeTestKit.submit(cluster, spec, tables, null);
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        try {
            awaitState(ch, spec.name(), PipeState.RUNNING, MINUTES);
            CompletableFuture<Integer> changes = keylessWrites(random, stop);
            Thread.sleep(2_000);
            ch.execute("INSERT INTO `" + ch.name() + "`.audit (who, _ctid, _version, _is_deleted) VALUES ('stray', 's', 1, 0)");
            String savepoint = PipeTestKit.stopWithSavepoint(cluster, job, savepoints);
            Thread.sleep(1_000);
            PipeRun resync = PipeRuns.first(spec).reloading(List.of("public.logs", "public.audit"), PipeState.RESYNC);
            job = PipeTestKit.submit(cluster, spec, PostgresPipeSetup.readSourceTables(spec), resync, savepoint);
            Thread.sleep(1_500);
            killTaskManagerThenCompare(cluster, stop, changes, tables);
            assertThat(ch.query("SELECT reason FROM `" + ch.statusDatabase() + "`.pipe_states WHERE pipe = '" + spec.name()
                    + "' AND reason LIKE '%copied again%'")).hasSizeGreaterThanOrEqualTo(2);
            // Resync lasts until both copies replaced their tables. (A restore from a checkpoint taken just
            // after may make a copy again while Running: its rows come after and do not count here.)
            awaitState(ch, spec.name(), PipeState.RUNNING, MINUTES);
            String states = "`" + ch.statusDatabase() + "`.pipe_states WHERE pipe = '" + spec.name() + "'";
            assertThat(ch.count("WITH (SELECT minIf(at, state = 'Resync') FROM " + states + ") AS began,"
                    + " (SELECT minIf(at, state = 'Running' AND previous = 'Resync') FROM " + states + ") AS ran"
                    + " SELECT uniqExactIf(substring(reason, 1, position(reason, ':')), reason LIKE '%copied again%'"
                    + " AND at >= began AND at <= ran) FROM " + states)).as("copies replaced before Running").isEqualTo(2);
        } finally {
            stop.set(true);
            cluster.cancelJob(job).get(1, TimeUnit.MINUTES);
        }
    }

    /**
     * Loses the TaskManager (the job restarts from its last checkpoint), lets the writes go on a few
     * seconds, stops them, and waits for both keyless tables to equal the source.
     */
    private void killTaskManagerThenCompare(MiniCluster cluster, java.util.concurrent.atomic.AtomicBoolean stop,
            CompletableFuture<Integer> changes, List<SourceTable> tables) throws Exception {
        PipeTestKit.loseTaskManager(cluster);
        cluster.startTaskManager();
        Thread.sleep(5_000);
        stop.set(true);
        System.out.println("statements: " + changes.get(1, TimeUnit.MINUTES));
        System.out.println("logs: " + awaitEqual(pg, ch, tables.get(0).schema(), "logs", MINUTES));
        System.out.println("audit: " + awaitEqual(pg, ch, tables.get(1).schema(), "audit", MINUTES));
    }

    /** One statement on the keyless audit table: an insert of duplicates, or an update or delete of some of them. */
    /**
     * Writes to both keyless tables from another thread until {@code stop}; returns how many. At a
     * bounded rate: the test is about what lands, and a writer as fast as the machine allows could
     * outrun the pipe on a busy machine (each batch of keyless deletes scans the ClickHouse table).
     */
    private CompletableFuture<Integer> keylessWrites(java.util.Random random, java.util.concurrent.atomic.AtomicBoolean stop) {
        return CompletableFuture.supplyAsync(() -> {
            int n = 0;
            while (!stop.get()) {
                pg.execute(keylessChange(random), "INSERT INTO logs SELECT 'info', 'more', g FROM generate_series(1, "
                        + (1 + random.nextInt(30)) + ") g");
                n++;
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            return n;
        });
    }

    private static String keylessChange(java.util.Random random) {
        String who = "'w" + random.nextInt(8) + "'";
        int n = random.nextInt(4);
        return switch (random.nextInt(6)) {
            case 0 -> "INSERT INTO audit SELECT " + who + ", 'x', " + n + ", 1, 'new' FROM generate_series(1, "
                    + (1 + random.nextInt(20)) + ")";
            case 1 -> "UPDATE audit SET n = n + 10, note = 'upd' WHERE ctid IN (SELECT ctid FROM audit WHERE who = " + who
                    + " AND n = " + n + " LIMIT " + (1 + random.nextInt(30)) + ")";
            case 2 -> "DELETE FROM audit WHERE ctid IN (SELECT ctid FROM audit WHERE who = " + who + " LIMIT "
                    + (1 + random.nextInt(50)) + ")";
            case 3 -> "UPDATE audit SET f = 'NaN', what = NULL WHERE ctid = (SELECT ctid FROM audit WHERE who = " + who
                    + " ORDER BY random() LIMIT 1)";
            case 4 -> "DELETE FROM audit WHERE ctid IN (SELECT ctid FROM audit ORDER BY ctid DESC LIMIT "
                    + (1 + random.nextInt(10)) + ")";
            default -> "BEGIN; UPDATE audit SET note = 'tx' WHERE ctid IN (SELECT ctid FROM audit WHERE who = " + who
                    + " LIMIT 5); DELETE FROM audit WHERE ctid IN (SELECT ctid FROM audit WHERE note = 'tx' LIMIT 2);"
                    + " INSERT INTO audit VALUES (" + who + ", 'x', " + n + ", 2, 'tx'); COMMIT";
        };
    }

    private String pgbench(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "pgbench";
        System.arraycopy(args, 0, all, 1, args.length);
        all[all.length - 1] = pg.name();
        return LocalServers.runScript(Map.of(), "deploy/local/postgres.sh", all);
    }

    private void awaitLoadProgress(String pipe, int partitions) throws InterruptedException {
        var status = new ClickHouseStatusTables(ch.client(), ch.statusDatabase());
        long deadline = System.currentTimeMillis() + Duration.ofMinutes(2).toMillis();
        while (System.currentTimeMillis() < deadline) {
            var rows = status.progress(pipe);
            if (rows.stream().mapToLong(r -> r.partitionsDone()).sum() >= partitions) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no initial load progress for " + pipe);
    }
}
