package dev.ferry.jobs.postgres;

import static dev.ferry.jobs.postgres.PipeTestKit.awaitEqual;
import static dev.ferry.jobs.postgres.PipeTestKit.awaitState;
import static dev.ferry.jobs.postgres.PipeTestKit.start;
import static org.assertj.core.api.Assertions.assertThat;

import com.clickhouse.client.api.query.GenericRecord;
import dev.ferry.operators.postgres.setup.PostgresCatalog.SourceTable;
import dev.ferry.state.lifecycle.PipeState;
import dev.ferry.state.record.ChangeVersions;
import dev.ferry.state.spec.PipeSpec;
import dev.ferry.testing.ClickHouseTestDatabase;
import dev.ferry.testing.PostgresTestDatabase;
import dev.ferry.testing.TableComparison;
import java.math.BigInteger;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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

/** Initial load plus change stream on the real servers. */
class PostgresCdcPipeIT {
    @RegisterExtension
    static final MiniClusterExtension FLINK = PipeTestKit.miniCluster(8);
    private static final Duration MINUTE = Duration.ofMinutes(1);

    private PostgresTestDatabase pg;
    private ClickHouseTestDatabase ch;

    @BeforeEach
    void databases() {
        pg = new PostgresTestDatabase("cdc");
        ch = new ClickHouseTestDatabase("cdc");
    }

    @AfterEach
    void drop() {
        ch.close();
        pg.close();
    }

    @Test
    void typesSurviveTheChangeStreamExactlyAsTheInitialLoadReadsThem() throws Exception {
        pg.execute("""
                CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
                CREATE TABLE t (
                  id int PRIMARY KEY, n numeric(10,2), nb numeric, m money, tx text, tm time, tz timetz, iv interval,
                  d date, ts timestamp, ts3 timestamp(3), tstz timestamptz, u uuid, j jsonb, js json, b bytea,
                  ai int[], at text[], ad date[], mo mood, ip inet, f4 real, f8 float8, bo bool, o oid, c char(4),
                  x xml, pt point, big bigint, sm smallint, vc varchar(20));
                ALTER TABLE t REPLICA IDENTITY FULL""",
                """
                INSERT INTO t VALUES (1, 12.30, 1.50, 12.34, 'a', '12:34:56.789', '12:34:56+02',
                 '1 year 2 mons 3 days 04:05:06.78', '2020-01-02', '2020-01-02 03:04:05.123456', '2020-01-02 03:04:05.123',
                 '2020-01-02 03:04:05.123456+02', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": 1}', '{"b":  2}', '\\x00ff',
                 '{1,NULL,3}', '{"x y",NULL,""}', '{2020-01-01,NULL}', 'ok', '10.0.0.1/24', 1.5, 'NaN', true, 42, 'ab',
                 '<a/>', '(1.5,-2)', -9223372036854775808, -32768, 'ž')""");
        PipeSpec spec = PipeTestKit.spec("cdc_types", pg, ch, "[t]", "{sync_interval_seconds: 1}");
        List<SourceTable> tables = PostgresPipeSetup.run(spec);
        JobClient job = start(spec, tables);
        try {
            awaitState(ch, spec.name(), PipeState.RUNNING, MINUTE);
            pg.execute("""
                    INSERT INTO t VALUES (2, 'NaN', 'NaN', -0.5, repeat('ü', 3000), '24:00:00', '00:00:00-05:30', '0',
                     'infinity', 'infinity', '-infinity', '-infinity', NULL, '[]', 'null', '', '{}', '{}', '{1999-12-31,NULL}',
                     'sad', '::1', '-Infinity', '-0', false, 0, '', '<b>x</b>', '(0,0)', 9223372036854775807, 32767, '')""",
                    "INSERT INTO t (id, iv, tm, n) VALUES (3, '-1 days +02:03:04.5', '00:00:00.000001', 0)",
                    "INSERT INTO t (id, iv) VALUES (4, '1 mon -1 sec')",
                    "INSERT INTO t (id, iv, ts) VALUES (5, '100 years', '1899-12-31 23:59:59')",
                    "UPDATE t SET n = 99.99, tx = tx || '!' WHERE id = 1",
                    "UPDATE t SET id = 10 WHERE id = 3",
                    "DELETE FROM t WHERE id = 4");
            awaitEqual(pg, ch, tables.get(0).schema(), "t", MINUTE);
        } finally {
            job.cancel().get();
        }
    }

    /** Writers insert, update, re-key and delete all through the initial load and after it. */
    @Test
    void steadyWritersDuringAndAfterTheInitialLoad() throws Exception {
        SteadyWriters.fill(pg, 200_000);
        PipeSpec spec = PipeTestKit.spec("cdc_steady", pg, ch, "[accounts]",
                "{snapshot_num_rows_per_partition: 20000, initial_load_parallelism: 2, sync_interval_seconds: 1}");
        List<SourceTable> tables = PostgresPipeSetup.run(spec);
        JobClient job;
        long operations;
        try (SteadyWriters writers = new SteadyWriters(pg, 200_000, 2, 2)) {
            job = start(spec, tables);
            awaitState(ch, spec.name(), PipeState.RUNNING, Duration.ofMinutes(3));
            Thread.sleep(5_000);
            operations = writers.operations();
        }
        try {
            TableComparison.Result r = awaitEqual(pg, ch, tables.get(0).schema(), "accounts", MINUTE);
            System.out.printf("accounts equal after %,d writes during and after the load: %s%n", operations, r);
            assertThat(operations).isGreaterThan(1_000);
            assertThat(ch.count("SELECT count() FROM `" + ch.name() + "`.accounts WHERE _version >= "
                    + Long.toUnsignedString(ChangeVersions.CHANGE_BIT))).isPositive();
        } finally {
            job.cancel().get();
        }
    }

    /**
     * The TaskManager dies during the initial load and again while streaming; a new one takes over.
     * The copy ends equal, and no row's version ever goes down in between.
     */
    @Test
    void taskManagerKilledDuringSnapshotAndStreaming(@InjectMiniCluster MiniCluster cluster) throws Exception {
        // Big enough, and read by one reader, so the load is still going when the first kill comes.
        SteadyWriters.fill(pg, 1_500_000);
        PipeSpec spec = PipeTestKit.spec("cdc_kill", pg, ch, "[accounts]",
                "{snapshot_num_rows_per_partition: 20000, initial_load_parallelism: 1, sync_interval_seconds: 1}");
        List<SourceTable> tables = PostgresPipeSetup.run(spec);
        VersionWatch versions = new VersionWatch();
        JobClient job;
        try (SteadyWriters writers = new SteadyWriters(pg, 1_500_000, 2, 3)) {
            job = start(spec, tables);
            awaitProgress(spec.name(), 2);
            versions.sample();
            PipeTestKit.loseTaskManager(cluster);
            cluster.startTaskManager();
            awaitState(ch, spec.name(), PipeState.RUNNING, Duration.ofMinutes(3));
            versions.sample();
            Thread.sleep(3_000);
            versions.sample();
            PipeTestKit.loseTaskManager(cluster);
            cluster.startTaskManager();
            Thread.sleep(5_000);
            versions.sample();
        }
        try {
            awaitEqual(pg, ch, tables.get(0).schema(), "accounts", Duration.ofMinutes(2));
            versions.sample();
            assertThat(versions.regressions).isEmpty();
            assertThat(versions.samples).isEqualTo(5);
        } finally {
            job.cancel().get();
        }
    }

    @Test
    void cdcOnlyCopiesNothingOldAndSnapshotOnlyLeavesNoSlot() throws Exception {
        pg.execute("CREATE TABLE items (id int PRIMARY KEY, v text)", "ALTER TABLE items REPLICA IDENTITY FULL",
                "INSERT INTO items SELECT g, 'old' FROM generate_series(1, 1000) g");
        PipeSpec cdcOnly = PipeTestKit.spec("cdc_only", pg, ch, "[items]",
                "{replication_mode: cdc_only, sync_interval_seconds: 1}");
        List<SourceTable> tables = PostgresPipeSetup.run(cdcOnly);
        assertThat(slots()).containsKey("ferry_cdc_only");
        JobClient job = start(cdcOnly, tables);
        try {
            awaitState(ch, "cdc_only", PipeState.RUNNING, MINUTE);
            pg.execute("UPDATE items SET v = 'new' WHERE id <= 10", "INSERT INTO items VALUES (1001, 'inserted')",
                    "DELETE FROM items WHERE id = 5");
            awaitEqual(pg, ch, tables.get(0).schema(), "(SELECT * FROM items WHERE v <> 'old') s", MINUTE);
            assertThat(ch.count("SELECT count() FROM `" + ch.name() + "`.items FINAL WHERE v = 'old'")).isZero();
            // FINAL hides tombstones; the delete is a row with _is_deleted = 1 underneath
            assertThat(ch.count("SELECT count() FROM `" + ch.name() + "`.items WHERE _is_deleted = 1 AND id = 5")).isEqualTo(1);
        } finally {
            job.cancel().get();
        }

        PipeSpec snapshotOnly = PipeTestKit.spec("snap_only", pg, ch, "[{source: items, target: items_copy}]",
                "{replication_mode: snapshot, sync_interval_seconds: 1}");
        List<SourceTable> copy = PostgresPipeSetup.run(snapshotOnly);
        start(snapshotOnly, copy).getJobExecutionResult().get(2, TimeUnit.MINUTES);
        assertThat(slots()).doesNotContainKey("ferry_snap_only");
        try (Connection c = pg.connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_publication WHERE pubname = 'ferry_snap_only'")) {
            rs.next();
            assertThat(rs.getInt(1)).isZero();
        }
    }

    /** A 1 MB value, stored out of line, is kept while other columns of its row change. */
    @Test
    void largeToastedValueSurvivesUpdatesOfOtherColumns() throws Exception {
        pg.execute("CREATE TABLE docs (id int PRIMARY KEY, body text, counter int)",
                "ALTER TABLE docs REPLICA IDENTITY FULL",
                "INSERT INTO docs SELECT g, string_agg(md5(g::text || i::text), '') , 0"
                        + " FROM generate_series(1, 3) g, generate_series(1, 32768) i GROUP BY g");
        PipeSpec spec = PipeTestKit.spec("cdc_toast", pg, ch, "[docs]", "{sync_interval_seconds: 1}");
        List<SourceTable> tables = PostgresPipeSetup.run(spec);
        JobClient job = start(spec, tables);
        try {
            awaitState(ch, spec.name(), PipeState.RUNNING, MINUTE);
            for (int i = 0; i < 5; i++) {
                pg.execute("UPDATE docs SET counter = counter + 1");
            }
            pg.execute("INSERT INTO docs SELECT 4, repeat('ž', 600000), 0", "UPDATE docs SET counter = 9 WHERE id = 4");
            awaitEqual(pg, ch, tables.get(0).schema(), "docs", MINUTE);
            assertThat(ch.count("SELECT min(length(body)) FROM `" + ch.name() + "`.docs FINAL")).isEqualTo(1_048_576);
        } finally {
            job.cancel().get();
        }
    }

    /**
     * Default replica identity: updates that leave a TOASTed value unchanged do not log it, and the
     * pipe reads it back. Writers run through the initial load (so updates arrive before the load's
     * row of the same key), change one key several times in a transaction, move keys and delete
     * rows they just updated.
     */
    @Test
    void unchangedToastWithDefaultReplicaIdentityDuringAndAfterTheLoad() throws Exception {
        pg.execute("CREATE TABLE docs (id int PRIMARY KEY, body text, counter int, tags text[])",
                "INSERT INTO docs SELECT g, CASE WHEN g % 3 = 0 THEN (SELECT string_agg(md5(g::text || i::text), '')"
                        + " FROM generate_series(1, 300) i) ELSE 'short ' || g END, 0, ARRAY[g::text]"
                        + " FROM generate_series(1, 20000) g");
        PipeSpec spec = PipeTestKit.spec("cdc_toast_default", pg, ch, "[docs]",
                "{snapshot_num_rows_per_partition: 1000, initial_load_parallelism: 1, sync_interval_seconds: 1}");
        List<SourceTable> tables = PostgresPipeSetup.run(spec);
        long seed = new java.util.Random().nextLong();
        System.out.println("unchangedToastWithDefaultReplicaIdentity seed " + seed);
        java.util.Random random = new java.util.Random(seed);
        JobClient job = start(spec, tables);
        try (Connection c = pg.connect(); Statement st = c.createStatement()) {
            long until = System.currentTimeMillis() + 15_000;
            int nextId = 20_001;
            boolean running = false;
            long checked = 0;
            var status = new dev.ferry.operators.clickhouse.ClickHouseStatusTables(ch.client(), ch.statusDatabase());
            while (System.currentTimeMillis() < until || !running) {
                int id = 1 + random.nextInt(nextId - 1);
                switch (random.nextInt(6)) {
                    case 0 -> st.execute("UPDATE docs SET counter = counter + 1 WHERE id = " + id);
                    case 1 -> st.execute("BEGIN; UPDATE docs SET counter = counter + 1 WHERE id = " + id
                            + "; UPDATE docs SET tags = tags || 'x'::text WHERE id = " + id
                            + "; UPDATE docs SET counter = counter * 2 WHERE id = " + id + "; COMMIT");
                    case 2 -> st.execute("UPDATE docs SET body = repeat(md5(random()::text), 200) WHERE id = " + id);
                    case 3 -> st.execute("UPDATE docs SET id = " + (nextId++) + ", counter = -1 WHERE id = " + id);
                    case 4 -> st.execute("BEGIN; UPDATE docs SET counter = 7 WHERE id = " + id
                            + "; DELETE FROM docs WHERE id = " + id + "; COMMIT");
                    default -> st.execute("UPDATE docs SET counter = counter + 1 WHERE id % 97 = " + random.nextInt(97));
                }
                if (!running && System.currentTimeMillis() > checked + 1_000) {
                    checked = System.currentTimeMillis();
                    running = status.lastState(spec.name()).filter(PipeState.RUNNING::equals).isPresent();
                }
            }
            TableComparison.Result r = awaitEqual(pg, ch, tables.get(0).schema(), "docs", Duration.ofMinutes(2));
            System.out.println("docs equal with default replica identity: " + r);
        } finally {
            job.cancel().get();
        }
    }

    /**
     * The key is what Postgres logs: a table without a primary key, keyed by its replica identity index
     * (not its narrower unique index), whose other unique column changes; a table with a deferrable
     * primary key and FULL identity is keyed by a non-deferrable unique index, so a statement that
     * shifts every key in one go cannot leave keys deleted.
     */
    @Test
    void keysAreWhatPostgresLogs() throws Exception {
        pg.execute("CREATE TABLE ri (a int NOT NULL UNIQUE, b text NOT NULL, c text NOT NULL)",
                "CREATE UNIQUE INDEX ri_bc ON ri (b, c)",
                "ALTER TABLE ri REPLICA IDENTITY USING INDEX ri_bc",
                "INSERT INTO ri SELECT g, 'b' || g, 'c' FROM generate_series(1, 100) g",
                "CREATE TABLE pos (pos int, id int NOT NULL UNIQUE, v text, CONSTRAINT pos_pk PRIMARY KEY (pos) DEFERRABLE)",
                "ALTER TABLE pos REPLICA IDENTITY FULL",
                "INSERT INTO pos SELECT g, g, 'v' FROM generate_series(1, 100) g",
                "CREATE TABLE nk (k numeric PRIMARY KEY, v text)",
                "INSERT INTO nk VALUES ('NaN', 'a'), (1.5, 'b'), (-0.0001, 'c'), (1e30, 'd')");
        PipeSpec spec = PipeTestKit.spec("cdc_keys", pg, ch, "[ri, pos, nk]", "{sync_interval_seconds: 1}");
        List<SourceTable> tables = PostgresPipeSetup.run(spec);
        assertThat(tables.get(0).schema().key()).containsExactly("b", "c");
        assertThat(tables.get(1).schema().key()).containsExactly("id");
        JobClient job = start(spec, tables);
        try {
            awaitState(ch, spec.name(), PipeState.RUNNING, MINUTE);
            pg.execute("UPDATE ri SET a = a + 1000 WHERE a % 2 = 0", "UPDATE ri SET c = 'moved' WHERE a % 3 = 0",
                    "DELETE FROM ri WHERE a % 5 = 0", "UPDATE pos SET pos = pos + 1", "DELETE FROM pos WHERE id = 7",
                    "UPDATE nk SET v = 'nan' WHERE k = 'NaN'", "UPDATE nk SET k = 1.50 WHERE k = 1.5",
                    "INSERT INTO nk VALUES (2, 'e')", "DELETE FROM nk WHERE k = -0.0001");
            awaitEqual(pg, ch, tables.get(0).schema(), "ri", MINUTE);
            awaitEqual(pg, ch, tables.get(1).schema(), "pos", MINUTE);
            awaitEqual(pg, ch, tables.get(2).schema(), "nk", MINUTE);
        } finally {
            job.cancel().get();
        }
    }

    /** Columns added and dropped while the pipe runs; no restart. */
    @Test
    void columnsAddedAndDroppedLive() throws Exception {
        pg.execute("CREATE TABLE evolving (id int PRIMARY KEY, a text, gone int NOT NULL DEFAULT 1)",
                "ALTER TABLE evolving REPLICA IDENTITY FULL",
                "INSERT INTO evolving SELECT g, 'a' || g, g FROM generate_series(1, 100) g");
        PipeSpec spec = PipeTestKit.spec("cdc_schema", pg, ch, "[evolving]", "{sync_interval_seconds: 1}");
        List<SourceTable> tables = PostgresPipeSetup.run(spec);
        JobClient job = start(spec, tables);
        try {
            awaitState(ch, spec.name(), PipeState.RUNNING, MINUTE);
            pg.execute("ALTER TABLE evolving ADD COLUMN added numeric(8,2)",
                    "UPDATE evolving SET added = id / 4.0 WHERE id <= 50",
                    "INSERT INTO evolving VALUES (101, 'new', 5, 1.25)");
            awaitEqual(pg, ch, PipeTestKit.currentSchema(pg, "evolving"), "evolving", MINUTE);
            pg.execute("ALTER TABLE evolving DROP COLUMN gone",
                    "INSERT INTO evolving (id, a, added) VALUES (102, 'after drop', 2.5)",
                    "UPDATE evolving SET a = 'changed' WHERE id = 1",
                    "DELETE FROM evolving WHERE id = 2");
            awaitEqual(pg, ch, PipeTestKit.currentSchema(pg, "evolving"), "evolving", MINUTE);
            List<GenericRecord> gone = ch.query("SELECT id, gone FROM `" + ch.name() + "`.evolving FINAL"
                    + " WHERE id IN (3, 102) ORDER BY id");
            assertThat(gone.get(0).getLong(2)).as("kept from before the drop").isEqualTo(3);
            assertThat(gone.get(1).getLong(2)).as("default after the drop").isZero();
            assertThat(job.getJobStatus().get()).isEqualTo(org.apache.flink.api.common.JobStatus.RUNNING);
        } finally {
            job.cancel().get();
        }
    }

    /**
     * Postgres, then ClickHouse, is down for 30 s while the pipe runs and writes go on: the pipe
     * retries until each is back and ends equal, still Running.
     */
    @Test
    void outagesOfPostgresAndClickHouseAreRiddenOut() throws Exception {
        pg.execute("CREATE TABLE o (id int PRIMARY KEY, v text)", "INSERT INTO o SELECT g, 'v' FROM generate_series(1, 1000) g");
        PipeSpec spec = PipeTestKit.spec("cdc_outage", pg, ch, "[o]", "{sync_interval_seconds: 1}");
        List<SourceTable> tables = PostgresPipeSetup.run(spec);
        JobClient job = start(spec, tables);
        try {
            awaitState(ch, spec.name(), PipeState.RUNNING, MINUTE);
            pg.execute("UPDATE o SET v = 'before' WHERE id <= 100");
            awaitEqual(pg, ch, tables.get(0).schema(), "o", MINUTE);

            dev.ferry.testing.LocalServers.runScript(Map.of(), "deploy/local/postgres.sh", "stop");
            Thread.sleep(30_000);
            dev.ferry.testing.LocalServers.runScript(Map.of(), "deploy/local/postgres.sh", "start");
            pg.execute("UPDATE o SET v = 'after postgres' WHERE id <= 200", "INSERT INTO o VALUES (1001, 'new')");
            awaitEqual(pg, ch, tables.get(0).schema(), "o", Duration.ofMinutes(3));

            dev.ferry.testing.LocalServers.runScript(Map.of(), "deploy/local/clickhouse.sh", "stop");
            pg.execute("UPDATE o SET v = 'during clickhouse' WHERE id <= 300", "DELETE FROM o WHERE id > 990");
            Thread.sleep(30_000);
            dev.ferry.testing.LocalServers.runScript(Map.of(), "deploy/local/clickhouse.sh", "start");
            pg.execute("INSERT INTO o VALUES (1002, 'after clickhouse')");
            awaitEqual(pg, ch, tables.get(0).schema(), "o", Duration.ofMinutes(3));
            assertThat(job.getJobStatus().get()).isEqualTo(org.apache.flink.api.common.JobStatus.RUNNING);
        } finally {
            job.cancel().get();
        }
    }

    /**
     * With {@code max_retry_attempts} set, an outage that outlasts that many attempts in a row ends the
     * pipe, with the outage as its cause (without it, the pipe above waits for as long as it takes).
     */
    @Test
    void aRetryLimitEndsThePipeWithTheOutageAsCause() throws Exception {
        pg.execute("CREATE TABLE r (id int PRIMARY KEY)", "INSERT INTO r VALUES (1)");
        PipeSpec spec = PipeTestKit.spec("cdc_limit", pg, ch, "[r]", "{sync_interval_seconds: 1, max_retry_attempts: 2}");
        List<SourceTable> tables = PostgresPipeSetup.run(spec);
        JobClient job = start(spec, tables);
        awaitState(ch, spec.name(), PipeState.RUNNING, MINUTE);
        Throwable failure = null;
        dev.ferry.testing.LocalServers.runScript(Map.of(), "deploy/local/clickhouse.sh", "stop");
        try {
            pg.execute("INSERT INTO r VALUES (2)");
            job.getJobExecutionResult().get(2, TimeUnit.MINUTES);
        } catch (Exception e) {
            failure = e;
        } finally {
            dev.ferry.testing.LocalServers.runScript(Map.of(), "deploy/local/clickhouse.sh", "start");
        }
        assertThat(failure).isNotNull();
        assertThat(PipeTestKit.causeMessages(failure)).contains("attemptsBeforeResetBackoff=2")
                .contains("Connection refused");
    }

    /** Dropping the slot under a running pipe fails it with the reason, instead of running idle. */
    @Test
    void droppedSlotFailsThePipe() throws Exception {
        pg.execute("CREATE TABLE small (id int PRIMARY KEY)", "ALTER TABLE small REPLICA IDENTITY FULL",
                "INSERT INTO small VALUES (1)");
        PipeSpec spec = PipeTestKit.spec("cdc_dropped", pg, ch, "[small]", "{sync_interval_seconds: 1}");
        List<SourceTable> tables = PostgresPipeSetup.run(spec);
        JobClient job = start(spec, tables);
        awaitState(ch, spec.name(), PipeState.RUNNING, MINUTE);
        pg.execute("INSERT INTO small VALUES (2)");
        awaitEqual(pg, ch, tables.get(0).schema(), "small", MINUTE); // the change stream is up
        pg.execute("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = 'ferry_cdc_dropped'",
                "SELECT pg_sleep(0.5)",
                "SELECT pg_drop_replication_slot('ferry_cdc_dropped')");
        Throwable failure = null;
        try {
            job.getJobExecutionResult().get(3, TimeUnit.MINUTES);
        } catch (Exception e) {
            failure = e;
        }
        assertThat(failure).isNotNull();
        assertThat(PipeTestKit.causeMessages(failure)).contains("replication slot ferry_cdc_dropped was dropped");
        assertThat(slots()).doesNotContainKey("ferry_cdc_dropped");
    }

    /**
     * A cdc_only pipe whose slot was dropped while it was paused: setup makes a new slot on resume, but
     * the changes made in between are in neither, so the resumed pipe fails with the reason instead of
     * going on without them. An ordinary pause and resume goes on.
     */
    @Test
    void slotCreatedAgainWhilePausedFailsTheResumedPipe(@InjectMiniCluster MiniCluster cluster, @TempDir Path savepoints)
            throws Exception {
        pg.execute("CREATE TABLE kept (id int PRIMARY KEY, v text)");
        PipeSpec spec = PipeTestKit.spec("cdc_recreated", pg, ch, "[kept]",
                "{replication_mode: cdc_only, sync_interval_seconds: 1}");
        List<SourceTable> tables = PostgresPipeSetup.run(spec);
        JobID job = PipeTestKit.submit(cluster, spec, tables, null);
        awaitState(ch, spec.name(), PipeState.RUNNING, MINUTE);
        pg.execute("INSERT INTO kept SELECT g, 'a' FROM generate_series(1, 50) g", "UPDATE kept SET v = 'b' WHERE id <= 10");
        String savepoint = PipeTestKit.stopWithSavepoint(cluster, job, savepoints);

        pg.execute("UPDATE kept SET v = 'while paused' WHERE id <= 20");
        job = PipeTestKit.submit(cluster, spec, PostgresPipeSetup.run(spec), savepoint);
        pg.execute("INSERT INTO kept VALUES (51, 'after resume')");
        awaitEqual(pg, ch, tables.get(0).schema(), "kept", MINUTE); // the changes made while paused are there
        savepoint = PipeTestKit.stopWithSavepoint(cluster, job, savepoints);

        pg.execute("SELECT pg_drop_replication_slot('ferry_cdc_recreated')", "UPDATE kept SET v = 'lost' WHERE id <= 30");
        job = PipeTestKit.submit(cluster, spec, PostgresPipeSetup.run(spec), savepoint);
        Throwable failure = null;
        try {
            cluster.requestJobResult(job).get(3, TimeUnit.MINUTES).toJobExecutionResult(getClass().getClassLoader());
        } catch (Exception e) {
            failure = e;
        }
        assertThat(failure).isNotNull();
        assertThat(PipeTestKit.causeMessages(failure)).contains("replication slot ferry_cdc_recreated starts at")
                .contains("dropped and created again while the pipe was stopped");
    }

    private Map<String, Boolean> slots() throws Exception {
        Map<String, Boolean> out = new HashMap<>();
        try (Connection c = pg.connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT slot_name, active FROM pg_replication_slots")) {
            while (rs.next()) {
                out.put(rs.getString(1), rs.getBoolean(2));
            }
        }
        return out;
    }

    private void awaitProgress(String pipe, int partitions) throws InterruptedException {
        var status = new dev.ferry.operators.clickhouse.ClickHouseStatusTables(ch.client(), ch.statusDatabase());
        long deadline = System.currentTimeMillis() + Duration.ofMinutes(2).toMillis();
        while (System.currentTimeMillis() < deadline) {
            var rows = status.progress(pipe);
            if (!rows.isEmpty() && rows.get(0).partitionsDone() >= partitions) {
                assertThat(rows.get(0).partitionsDone()).as("still loading").isLessThan(rows.get(0).partitionsTotal());
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no initial load progress for " + pipe);
    }

    /** Samples each row's version in ClickHouse and records any that went down between samples. */
    private final class VersionWatch {
        private final Map<Long, BigInteger> last = new HashMap<>();
        private final java.util.List<String> regressions = new java.util.ArrayList<>();
        private int samples;

        void sample() {
            samples++;
            for (GenericRecord r : ch.query("SELECT id, toString(_version) FROM `" + ch.name()
                    + "`.accounts FINAL WHERE id % 97 = 0")) {
                BigInteger v = new BigInteger(r.getString(2));
                BigInteger before = last.put(r.getLong(1), v);
                if (before != null && v.compareTo(before) < 0 && regressions.size() < 10) {
                    regressions.add("id " + r.getLong(1) + ": " + before + " -> " + v);
                }
            }
        }
    }
}
