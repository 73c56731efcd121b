package dev.ferry.jobs.postgres;

import static dev.ferry.jobs.postgres.PipeTestKit.awaitEqual;
import static dev.ferry.jobs.postgres.PipeTestKit.awaitState;
import static dev.ferry.jobs.postgres.PipeTestKit.currentSchema;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.operators.clickhouse.ClickHouseStatusTables;
import dev.ferry.operators.clickhouse.ClickHouseStatusTables.TableProgressRow;
import dev.ferry.state.lifecycle.PipeState;
import dev.ferry.state.spec.PipeSettings;
import dev.ferry.state.spec.PipeSpec;
import dev.ferry.testing.ClickHouseTestDatabase;
import dev.ferry.testing.LocalServers;
import dev.ferry.testing.PostgresTestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * An initial load that goes on under another snapshot than it started under — resumed after a pause,
 * or after Postgres restarted and took the exported snapshot with it — still copies every visible row
 * exactly once: rows moved, deleted and inserted in between (snapshot-only pipes), and rows renumbered
 * by VACUUM FULL (every pipe). The changes in between are drawn at random; {@code -Dferry.restore.seed}
 * repeats a run.
 */
class PostgresLoadRestoreIT {
    @RegisterExtension
    static final MiniClusterExtension FLINK = PipeTestKit.miniCluster(4);
    private static final Duration SETTLE = Duration.ofMinutes(4);
    private static final String SETTINGS = "snapshot_num_rows_per_partition: 10000, initial_load_parallelism: 1,"
            + " snapshot_number_of_parallel_tables: 2, sync_interval_seconds: 1";

    private PostgresTestDatabase pg;
    private ClickHouseTestDatabase ch;
    private Random random;

    @BeforeEach
    void databases() {
        pg = new PostgresTestDatabase("restore");
        ch = new ClickHouseTestDatabase("restore");
        long seed = Long.getLong("ferry.restore.seed", System.nanoTime());
        System.out.println("restore seed: " + seed);
        random = new Random(seed);
    }

    @AfterEach
    void drop(@InjectMiniCluster MiniCluster cluster) throws Exception {
        // a failed test leaves its job running: it would hold the slots the next one needs
        for (var job : cluster.listJobs().get(1, TimeUnit.MINUTES)) {
            if (!job.getJobState().isGloballyTerminalState()) {
                cluster.cancelJob(job.getJobId()).get(1, TimeUnit.MINUTES);
            }
        }
        LocalServers.runScript(Map.of(), "deploy/local/postgres.sh", "start"); // a failed test may leave it stopped
        ch.close();
        pg.close();
    }

    /**
     * A snapshot-only pipe paused mid-load, rows deleted, moved into ranges already read (updates into
     * space a VACUUM freed there) and inserted, then resumed: it ends equal to the source as it is now.
     */
    @Test
    void aSnapshotOnlyLoadResumedUnderANewSnapshotEndsEqual(@InjectMiniCluster MiniCluster cluster,
            @TempDir Path savepoints) throws Exception {
        PipeSpec spec = PipeTestKit.spec("restore", pg, ch, "[big, dups]", "{replication_mode: snapshot, " + SETTINGS + "}");
        String savepoint = pauseMidLoad(cluster, spec, savepoints);

        int finishedIds = 30_000;
        int lo = 1 + random.nextInt(finishedIds / 2);
        pg.execute("DELETE FROM big WHERE id BETWEEN " + lo + " AND " + (lo + 5_000 + random.nextInt(5_000)),
                "DELETE FROM dups WHERE ctid < '(" + (20 + random.nextInt(40)) + ",0)' AND amount % 3 = "
                        + random.nextInt(3),
                "VACUUM big", "VACUUM dups",
                // no room left on their own pages (fillfactor 100): the new versions go where VACUUM freed space
                "UPDATE big SET v = -v WHERE id % 50 = " + random.nextInt(50) + " AND id > 300000",
                "UPDATE dups SET amount = amount + 1000 WHERE ctid > '(500,0)' AND who = 'w" + random.nextInt(7) + "'",
                "INSERT INTO big SELECT g, g, 'new' FROM generate_series(1000001, 1000000 + " + random.nextInt(5_000) + ") g",
                "INSERT INTO dups SELECT 'w1', 7 FROM generate_series(1, " + (1 + random.nextInt(300)) + ")");

        JobID job = PipeTestKit.submit(cluster, spec, PostgresPipeSetup.readSourceTables(spec), savepoint);
        cluster.requestJobResult(job).get(5, TimeUnit.MINUTES);
        System.out.println("big: " + awaitEqual(pg, ch, currentSchema(pg, "big"), "big", Duration.ofSeconds(30)));
        System.out.println("dups: " + awaitEqual(pg, ch, currentSchema(pg, "dups"), "dups", Duration.ofSeconds(30)));
    }

    /**
     * A CDC pipe paused mid-load while VACUUM FULL compacts the table it is loading: the rows of the
     * ranges not read yet move into ranges already read. The reader notices the new files and the
     * table is read again whole; the stream brings the deletes.
     */
    @Test
    void aCdcLoadResumedAfterVacuumFullReadsTheTableAgain(@InjectMiniCluster MiniCluster cluster,
            @TempDir Path savepoints) throws Exception {
        PipeSpec spec = PipeTestKit.spec("restore", pg, ch, "[big]", "{" + SETTINGS + "}");
        String savepoint = pauseMidLoad(cluster, spec, savepoints);

        pg.execute("DELETE FROM big WHERE id % " + (2 + random.nextInt(4)) + " = 0", "VACUUM FULL big");
        JobID job = PipeTestKit.submit(cluster, spec, PostgresPipeSetup.readSourceTables(spec), savepoint);
        awaitState(ch, spec.name(), PipeState.RUNNING, SETTLE);
        pg.execute("UPDATE big SET v = v + 1 WHERE id % 97 = 1");
        System.out.println("big: " + awaitEqual(pg, ch, currentSchema(pg, "big"), "big", SETTLE));
        cluster.cancelJob(job).get(1, TimeUnit.MINUTES);
    }

    /**
     * A CDC pipe paused mid-load, a column retyped (int to bigint, which ClickHouse's Int32 column
     * cannot take in place) and rows changed: the resumed load reads the table in its new shape, which
     * its ClickHouse table does not fit, and leaves it to the change stream, which copies it again.
     */
    @Test
    void aCdcLoadResumedAfterARetypeLeavesTheTableToTheStream(@InjectMiniCluster MiniCluster cluster,
            @TempDir Path savepoints) throws Exception {
        PipeSpec spec = PipeTestKit.spec("restore", pg, ch, "[big]", "{" + SETTINGS + "}");
        String savepoint = pauseMidLoad(cluster, spec, savepoints);

        pg.execute("ALTER TABLE big ALTER COLUMN v TYPE bigint",
                "UPDATE big SET v = v * 10000000 WHERE id % " + (2 + random.nextInt(20)) + " = 0");
        JobID job = PipeTestKit.submit(cluster, spec, PostgresPipeSetup.readSourceTables(spec), savepoint);
        awaitState(ch, spec.name(), PipeState.RUNNING, SETTLE);
        System.out.println("big: " + awaitEqual(pg, ch, currentSchema(pg, "big"), "big", SETTLE));
        assertThat(ch.query("SELECT type FROM system.columns WHERE database = '" + ch.name()
                + "' AND table = 'big' AND name = 'v'").get(0).getString(1)).isEqualTo("Int64");
        cluster.cancelJob(job).get(1, TimeUnit.MINUTES);
    }

    /**
     * A CDC pipe's keyless table is copied by the change stream. Paused mid-copy, its duplicates
     * updated and deleted, the table rewritten: the copy is made again under a new snapshot, and the
     * table ends equal (it used to be loaded by ctid ranges, and an interrupted load could keep or
     * drop a duplicate).
     */
    @Test
    void aKeylessTableCopiedByTheStreamStaysExactAcrossAPause(@InjectMiniCluster MiniCluster cluster,
            @TempDir Path savepoints) throws Exception {
        createTables();
        PipeSpec spec = PipeTestKit.spec("restore", pg, ch, "[big, dups]", "{" + SETTINGS + "}");
        JobID job = PipeTestKit.submit(cluster, spec, PostgresPipeSetup.run(spec), null);
        String copy = ch.name() + ".dups_reload";
        long deadline = System.currentTimeMillis() + SETTLE.toMillis();
        while (ch.count("SELECT count() FROM system.tables WHERE database = '" + ch.name() + "' AND name = 'dups_reload'") == 0
                || ch.count("SELECT count() FROM " + copy) < 10_000) {
            assertThat(System.currentTimeMillis()).as("the stream's copy of dups gets under way").isLessThan(deadline);
            Thread.sleep(50);
        }
        String savepoint = PipeTestKit.stopWithSavepoint(cluster, job, savepoints);
        assertThat(ch.count("SELECT count() FROM system.tables WHERE database = '" + ch.name() + "' AND name = 'dups_reload'"))
                .as("the test needs the copy interrupted").isEqualTo(1);

        pg.execute("UPDATE dups SET amount = amount + 100 WHERE n % 10 = " + random.nextInt(10),
                "DELETE FROM dups WHERE n % 7 = " + random.nextInt(7),
                "INSERT INTO dups SELECT 'w1', 7, 7 FROM generate_series(1, " + (1 + random.nextInt(300)) + ")",
                "VACUUM FULL dups");
        job = PipeTestKit.submit(cluster, spec, PostgresPipeSetup.readSourceTables(spec), savepoint);
        awaitState(ch, spec.name(), PipeState.RUNNING, SETTLE);
        pg.execute("DELETE FROM dups WHERE amount = 5 AND n % 3 = 0", "UPDATE dups SET who = 'x' WHERE n = 42");
        System.out.println("big: " + awaitEqual(pg, ch, currentSchema(pg, "big"), "big", SETTLE));
        System.out.println("dups: " + awaitEqual(pg, ch, currentSchema(pg, "dups"), "dups", SETTLE));
        cluster.cancelJob(job).get(1, TimeUnit.MINUTES);
    }

    /**
     * The readers of a snapshot-only load restart (same snapshot) while VACUUM FULL compacts a table
     * they were reading: the keyed table is planned again under that snapshot; the keyless one, whose
     * rows are named by ctid, makes the load restart under a new snapshot, which reads it again whole
     * and deletes the rows written under their old names.
     */
    @Test
    void aRewriteWhileReadersRestartIsReadAgainWhole(@InjectMiniCluster MiniCluster cluster) throws Exception {
        PipeSpec spec = PipeTestKit.spec("restore", pg, ch, "[big, dups]", "{replication_mode: snapshot, " + SETTINGS + "}");
        JobID job = startMidLoad(cluster, spec);
        pg.execute("DELETE FROM big WHERE id % 3 = " + random.nextInt(3),
                "DELETE FROM dups WHERE n % 4 = " + random.nextInt(4));
        betweenReaderRestarts("VACUUM FULL big");
        betweenReaderRestarts("VACUUM FULL dups");
        assertMidLoad(spec);
        cluster.requestJobResult(job).get(5, TimeUnit.MINUTES);
        System.out.println("big: " + awaitEqual(pg, ch, currentSchema(pg, "big"), "big", Duration.ofSeconds(30)));
        System.out.println("dups: " + awaitEqual(pg, ch, currentSchema(pg, "dups"), "dups", Duration.ofSeconds(30)));
    }

    /**
     * Columns dropped and added while the readers restart (a TaskManager lost, say): the restarted
     * readers read the columns there are now, and the pipe ends equal. They used to name the dropped
     * column in every query, failing for ever.
     */
    @Test
    void columnsChangedWhileReadersRestartAreReadAsTheyAreNow(@InjectMiniCluster MiniCluster cluster) throws Exception {
        PipeSpec spec = PipeTestKit.spec("restore", pg, ch, "[big]", "{" + SETTINGS + "}");
        JobID job = startMidLoad(cluster, spec);
        betweenReaderRestarts("ALTER TABLE big DROP COLUMN pad, ADD COLUMN extra int DEFAULT " + random.nextInt(100));
        assertMidLoad(spec);
        awaitState(ch, spec.name(), PipeState.RUNNING, SETTLE);
        pg.execute("UPDATE big SET extra = -1 WHERE id % 101 = 0");
        System.out.println("big: " + awaitEqual(pg, ch, currentSchema(pg, "big"), "big", SETTLE));
        cluster.cancelJob(job).get(1, TimeUnit.MINUTES);
    }

    /**
     * Runs {@code ddl} between the load's readers ending and their restart: they hold the tables' locks
     * for the whole load, so they are ended until the statement gets its lock first.
     */
    private void betweenReaderRestarts(String ddl) throws Exception {
        for (int attempt = 1; ; attempt++) {
            terminate("snapshot");
            try (var c = pg.connect(); var st = c.createStatement()) {
                st.execute("SET lock_timeout = '3s'");
                st.execute(ddl);
                return;
            } catch (java.sql.SQLException e) {
                assertThat(attempt).as("%s got its lock: %s", ddl, e.getMessage()).isLessThan(10);
            }
        }
    }

    /** Postgres restarted mid-load: the load goes on under a new snapshot, and the pipe ends equal. */
    @Test
    void aPostgresRestartMidLoadIsRiddenOut(@InjectMiniCluster MiniCluster cluster) throws Exception {
        interruptMidLoad(cluster, () -> {
            LocalServers.runScript(Map.of(), "deploy/local/postgres.sh", "stop");
            Thread.sleep(1_000 + random.nextInt(3_000));
            LocalServers.runScript(Map.of(), "deploy/local/postgres.sh", "start");
        });
    }

    /**
     * The session holding the exported snapshot ended (an administrator, or the server after a
     * restart), then the readers restarted: the job restarts and the load goes on under a new snapshot.
     * It used to offer the dead one to its readers for ever.
     */
    @Test
    void aLostSnapshotIsExportedAgain(@InjectMiniCluster MiniCluster cluster) throws Exception {
        interruptMidLoad(cluster, () -> {
            terminate("snapshot-export");
            terminate("snapshot");
        });
    }

    private interface Interruption {
        void run() throws Exception;
    }

    private void interruptMidLoad(MiniCluster cluster, Interruption interruption) throws Exception {
        PipeSpec spec = PipeTestKit.spec("restore", pg, ch, "[big, dups]", "{" + SETTINGS + "}");
        JobID job = startMidLoad(cluster, spec);
        interruption.run();
        assertMidLoad(spec);

        awaitState(ch, spec.name(), PipeState.RUNNING, SETTLE);
        pg.execute("UPDATE big SET v = v + 1 WHERE id % 89 = 1", "DELETE FROM dups WHERE amount = 5");
        System.out.println("big: " + awaitEqual(pg, ch, currentSchema(pg, "big"), "big", SETTLE));
        System.out.println("dups: " + awaitEqual(pg, ch, currentSchema(pg, "dups"), "dups", SETTLE));
        cluster.cancelJob(job).get(1, TimeUnit.MINUTES);
    }

    /** Creates the tables, starts the pipe and waits until its load is under way. */
    private JobID startMidLoad(MiniCluster cluster, PipeSpec spec) throws Exception {
        createTables();
        JobID job = PipeTestKit.submit(cluster, spec, PostgresPipeSetup.run(spec), null);
        awaitMidLoad(spec);
        return job;
    }

    /** {@link #startMidLoad}, then pauses the pipe; returns the savepoint. */
    private String pauseMidLoad(MiniCluster cluster, PipeSpec spec, Path savepoints) throws Exception {
        String savepoint = PipeTestKit.stopWithSavepoint(cluster, startMidLoad(cluster, spec), savepoints);
        assertMidLoad(spec);
        return savepoint;
    }

    /** Ends the pipe's Postgres sessions of {@code role}. */
    private void terminate(String role) throws Exception {
        try (var c = pg.connect(); var st = c.createStatement()) {
            st.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'ferry:restore:"
                    + role + "'");
        }
    }

    /**
     * A keyed table and a keyless one with duplicates, packed full so updates must move rows. A delete
     * of one amount from dups takes 15,000 rows of about 8,500 different contents in one statement.
     */
    private void createTables() {
        pg.execute("CREATE TABLE big (id bigint PRIMARY KEY, v int NOT NULL, pad text) WITH (fillfactor = 100)",
                "INSERT INTO big SELECT g, g, repeat(md5(g::text), 2) FROM generate_series(1, 1000000) g",
                "CREATE TABLE dups (who text, amount int, n int) WITH (fillfactor = 100)",
                "ALTER TABLE dups REPLICA IDENTITY FULL",
                "INSERT INTO dups SELECT 'w' || (g % 7), g % 40, g % 50000 FROM generate_series(1, 600000) g",
                "ANALYZE big", "ANALYZE dups");
    }

    /**
     * Waits until the loads of the pipe's tables are durably under way: a few partitions of each done
     * (in a CDC pipe the keyless dups is copied by the change stream instead: not waited for).
     */
    private void awaitMidLoad(PipeSpec spec) throws InterruptedException {
        ClickHouseStatusTables status = new ClickHouseStatusTables(ch.client(), ch.statusDatabase());
        long deadline = System.currentTimeMillis() + SETTLE.toMillis();
        while (System.currentTimeMillis() < deadline) {
            List<TableProgressRow> rows = status.progress(spec.name());
            if (loaded(spec).stream().allMatch(t -> {
                TableProgressRow r = progressOf(rows, t);
                return r != null && r.partitionsDone() >= 2;
            })) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the loads did not get under way");
    }

    private void assertMidLoad(PipeSpec spec) {
        ClickHouseStatusTables status = new ClickHouseStatusTables(ch.client(), ch.statusDatabase());
        List<TableProgressRow> rows = status.progress(spec.name());
        for (String t : loaded(spec)) {
            TableProgressRow r = progressOf(rows, t);
            assertThat(r.partitionsDone()).as("the test needs the load of %s interrupted mid-way", t)
                    .isLessThan(r.partitionsTotal());
        }
    }

    /** The tables the parallel initial load reads. */
    private static List<String> loaded(PipeSpec spec) {
        boolean cdc = spec.setting(PipeSettings.REPLICATION_MODE) == PipeSettings.ReplicationMode.CDC;
        return spec.tables().stream().map(t -> t.sourceId()).filter(t -> !cdc || !t.equals("public.dups")).toList();
    }

    private static TableProgressRow progressOf(List<TableProgressRow> rows, String table) {
        return rows.stream().filter(r -> r.table().equals(table)).findFirst().orElse(null);
    }
}
