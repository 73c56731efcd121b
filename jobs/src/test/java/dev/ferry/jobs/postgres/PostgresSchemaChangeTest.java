package dev.ferry.jobs.postgres;

import static dev.ferry.jobs.postgres.PipeTestKit.awaitEqual;
import static dev.ferry.jobs.postgres.PipeTestKit.awaitState;
import static org.assertj.core.api.Assertions.assertThat;

import com.clickhouse.client.api.query.GenericRecord;
import dev.ferry.jobs.PipeRuns;
import dev.ferry.operators.clickhouse.ClickHouseConnections;
import dev.ferry.operators.clickhouse.ClickHouseResync;
import dev.ferry.operators.postgres.PostgresCatalog;
import dev.ferry.operators.postgres.PostgresCatalog.SourceTable;
import dev.ferry.state.lifecycle.PipeRun;
import dev.ferry.state.lifecycle.PipeState;
import dev.ferry.state.schema.TableSchema;
import dev.ferry.state.spec.PipeSpec;
import dev.ferry.state.spec.TableSpec;
import dev.ferry.testing.ClickHouseTestDatabase;
import dev.ferry.testing.PostgresTestDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
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

/** Schema changes at the source, while the pipe runs and while it is paused. */
class PostgresSchemaChangeTest {
    @RegisterExtension
    static final MiniClusterExtension FLINK = PipeTestKit.miniCluster(8);
    private static final Duration MINUTES = Duration.ofMinutes(2);

    private PostgresTestDatabase pg;
    private ClickHouseTestDatabase ch;

    @BeforeEach
    void databases() {
        pg = new PostgresTestDatabase("ddl");
        ch = new ClickHouseTestDatabase("ddl");
    }

    @AfterEach
    void drop() {
        ch.close();
        pg.close();
    }

    /**
     * Columns added with a constant default while the pipe runs (Postgres writes no row for them):
     * rows already in ClickHouse read the default, as they do at the source; so do rows logged
     * before the ALTER in the same transaction.
     */
    @Test
    void fastDefaultsReachRowsAlreadyCopied(@InjectMiniCluster MiniCluster cluster) throws Exception {
        pg.execute("CREATE TABLE t (id int PRIMARY KEY, a text NOT NULL)",
                "INSERT INTO t SELECT g, 'a' || g FROM generate_series(1, 1000) g");
        PipeSpec spec = PipeTestKit.spec("ddl_defaults", pg, ch, "[t]", "{sync_interval_seconds: 1}");
        List<SourceTable> tables = PostgresPipeSetup.run(spec);
        JobID job = PipeTestKit.submit(cluster, spec, tables, null);
        try {
            awaitState(ch, spec.name(), PipeState.RUNNING, MINUTES);
            pg.execute("BEGIN; INSERT INTO t VALUES (1001, 'before the alter');"
                            + " ALTER TABLE t ADD COLUMN c int DEFAULT 5, ADD COLUMN d text NOT NULL DEFAULT 'x ''y''',"
                            + " ADD COLUMN ts timestamptz DEFAULT '2020-01-02 03:04:05.5+02',"
                            + " ADD COLUMN n numeric(8,2) DEFAULT 1.25, ADD COLUMN f float4 DEFAULT 1.1,"
                            + " ADD COLUMN b bool DEFAULT true, ADD COLUMN dt date DEFAULT 'infinity',"
                            + " ADD COLUMN arr int[] DEFAULT '{1,NULL,3}', ADD COLUMN none text; COMMIT",
                    "UPDATE t SET a = 'updated' WHERE id % 10 = 0",
                    "INSERT INTO t (id, a, c, d) VALUES (1002, 'after', NULL, 'z')");
            awaitEqual(pg, ch, currentSchema("t"), "t", MINUTES);
        } finally {
            cluster.cancelJob(job).get(1, TimeUnit.MINUTES);
        }
    }

    /**
     * While the pipe is paused: rows written, a column added with a default, NOT NULL dropped, a
     * column dropped with rows still in the slot that carry it. Resuming reconciles the ClickHouse
     * table and ends equal; nothing fails.
     */
    @Test
    void ddlWhilePausedIsReconciledOnResume(@InjectMiniCluster MiniCluster cluster, @TempDir Path savepoints)
            throws Exception {
        pg.execute("CREATE TABLE p (id int PRIMARY KEY, a text NOT NULL, gone int)",
                "INSERT INTO p SELECT g, 'a' || g, g FROM generate_series(1, 500) g");
        PipeSpec spec = PipeTestKit.spec("ddl_paused", pg, ch, "[p]", "{sync_interval_seconds: 1}");
        List<SourceTable> tables = PostgresPipeSetup.run(spec);
        JobID job = PipeTestKit.submit(cluster, spec, tables, null);
        awaitState(ch, spec.name(), PipeState.RUNNING, MINUTES);
        String savepoint = PipeTestKit.stopWithSavepoint(cluster, job, savepoints);

        pg.execute("INSERT INTO p VALUES (501, 'logged with gone', 501)",
                "UPDATE p SET gone = -1 WHERE id <= 10",
                "ALTER TABLE p ADD COLUMN extra int DEFAULT 1",
                "INSERT INTO p VALUES (502, 'with extra', 502, 2)",
                "ALTER TABLE p ALTER COLUMN a DROP NOT NULL",
                "INSERT INTO p (id, a) VALUES (503, NULL)",
                "ALTER TABLE p DROP COLUMN gone",
                "UPDATE p SET a = 'after drop' WHERE id BETWEEN 20 AND 30");
        List<SourceTable> resumed = PostgresPipeSetup.readSourceTables(spec);
        job = PipeTestKit.submit(cluster, spec, resumed, savepoint);
        try {
            awaitEqual(pg, ch, currentSchema("p"), "p", MINUTES);
            List<GenericRecord> kept = ch.query("SELECT id, gone FROM `" + ch.name() + "`.p FINAL WHERE id IN (1, 200)"
                    + " ORDER BY id");
            assertThat(kept.get(1).getLong(2)).as("a dropped column keeps its values in ClickHouse").isEqualTo(200);
        } finally {
            cluster.cancelJob(job).get(1, TimeUnit.MINUTES);
        }
    }

    /**
     * int to bigint while paused (Postgres rewrites every row and logs none): the resumed pipe stops
     * with the fix instead of writing values into a column of the old type; a resync of the table,
     * under writes, brings it back exact with the new type.
     */
    @Test
    void typeChangeWhilePausedStopsWithTheFixAndResyncHeals(@InjectMiniCluster MiniCluster cluster, @TempDir Path savepoints)
            throws Exception {
        pg.execute("CREATE TABLE w (id int PRIMARY KEY, v int)", "INSERT INTO w SELECT g, g FROM generate_series(1, 100) g");
        PipeSpec spec = PipeTestKit.spec("ddl_type", pg, ch, "[w]", "{sync_interval_seconds: 1}");
        List<SourceTable> tables = PostgresPipeSetup.run(spec);
        JobID job = PipeTestKit.submit(cluster, spec, tables, null);
        awaitState(ch, spec.name(), PipeState.RUNNING, MINUTES);
        String savepoint = PipeTestKit.stopWithSavepoint(cluster, job, savepoints);
        pg.execute("ALTER TABLE w ALTER COLUMN v TYPE bigint", "UPDATE w SET v = 5000000000 WHERE id = 1");
        job = PipeTestKit.submit(cluster, spec, PostgresPipeSetup.readSourceTables(spec), savepoint);
        Throwable failure = null;
        try {
            cluster.requestJobResult(job).get(2, TimeUnit.MINUTES).toJobExecutionResult(getClass().getClassLoader());
        } catch (Exception e) {
            failure = e;
        }
        assertThat(failure).isNotNull();
        assertThat(PipeTestKit.causeMessages(failure)).contains("column v of w is Nullable(Int32) in ClickHouse")
                .contains("resync public.w");
        assertThat(ch.count("SELECT count() FROM `" + ch.name() + "`.w WHERE v != id")).isZero();

        List<SourceTable> now = PostgresPipeSetup.prepare(spec, false);
        PipeRun resync = PipeRuns.first(spec).next(List.of("public.w"), List.of("public.w"), PipeState.RESYNC);
        ClickHouseResync.createCopy(ch.client(), new ClickHouseConnections(spec.destination()).layout(ch.client()),
                now.get(0).schema(), resync.generation());
        job = PipeTestKit.submit(cluster, spec, now, resync, null);
        try {
            pg.execute("UPDATE w SET v = v * 1000000000 WHERE id % 3 = 0");
            awaitEqual(pg, ch, now.get(0).schema(), "w", MINUTES);
            awaitState(ch, spec.name(), PipeState.RUNNING, MINUTES);
            pg.execute("UPDATE w SET v = -v WHERE id % 4 = 0", "INSERT INTO w VALUES (101, 9000000000)");
            awaitEqual(pg, ch, now.get(0).schema(), "w", MINUTES);
            assertThat(ch.query("SELECT type FROM system.columns WHERE database = '" + ch.name()
                    + "' AND table = 'w' AND name = 'v'").get(0).getString(1)).isEqualTo("Nullable(Int64)");
        } finally {
            cluster.cancelJob(job).get(1, TimeUnit.MINUTES);
        }
    }

    /**
     * RENAME COLUMN renames in ClickHouse, values kept: while the pipe runs, and while it is paused
     * (matched by the column's attnum, which ClickHouse keeps in the column's comment).
     */
    @Test
    void renamedColumnsKeepTheirValues(@InjectMiniCluster MiniCluster cluster, @TempDir Path savepoints)
            throws Exception {
        pg.execute("CREATE TABLE r (id int PRIMARY KEY, a text, b int)",
                "INSERT INTO r SELECT g, 'a' || g, g FROM generate_series(1, 300) g");
        PipeSpec spec = PipeTestKit.spec("ddl_rename", pg, ch, "[r]", "{sync_interval_seconds: 1}");
        List<SourceTable> tables = PostgresPipeSetup.run(spec);
        JobID job = PipeTestKit.submit(cluster, spec, tables, null);
        awaitState(ch, spec.name(), PipeState.RUNNING, MINUTES);
        pg.execute("ALTER TABLE r RENAME COLUMN a TO a2", "UPDATE r SET a2 = a2 || '!' WHERE id <= 10",
                "INSERT INTO r VALUES (301, 'new', 301)");
        awaitEqual(pg, ch, currentSchema("r"), "r", MINUTES);
        String savepoint = PipeTestKit.stopWithSavepoint(cluster, job, savepoints);

        pg.execute("ALTER TABLE r RENAME COLUMN b TO b2", "UPDATE r SET b2 = -b2 WHERE id BETWEEN 11 AND 20");
        job = PipeTestKit.submit(cluster, spec, PostgresPipeSetup.readSourceTables(spec), savepoint);
        try {
            awaitEqual(pg, ch, currentSchema("r"), "r", MINUTES);
            assertThat(ch.count("SELECT count() FROM system.columns WHERE database = '" + ch.name()
                    + "' AND table = 'r' AND name IN ('a', 'b')")).as("renamed, not added").isZero();
        } finally {
            cluster.cancelJob(job).get(1, TimeUnit.MINUTES);
        }
    }

    /**
     * TRUNCATE, also with CASCADE and followed by inserts in its own transaction, and of a keyless
     * table: afterwards ClickHouse shows exactly the rows the source has.
     */
    @Test
    void truncateIsReplicated(@InjectMiniCluster MiniCluster cluster) throws Exception {
        pg.execute("CREATE TABLE parent (id int PRIMARY KEY, v text)",
                "CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent, v text)",
                "CREATE TABLE log (msg text)",
                "INSERT INTO parent SELECT g, 'p' FROM generate_series(1, 1000) g",
                "INSERT INTO child SELECT g, g, 'c' FROM generate_series(1, 1000) g",
                "INSERT INTO log SELECT 'm' FROM generate_series(1, 100)");
        PipeSpec spec = PipeTestKit.spec("ddl_truncate", pg, ch, "[parent, child, log]", "{sync_interval_seconds: 1}");
        List<SourceTable> tables = PostgresPipeSetup.run(spec);
        JobID job = PipeTestKit.submit(cluster, spec, tables, null);
        try {
            awaitState(ch, spec.name(), PipeState.RUNNING, MINUTES);
            pg.execute("UPDATE parent SET v = 'before' WHERE id <= 10", "TRUNCATE log", "INSERT INTO log VALUES ('after')",
                    "BEGIN; UPDATE child SET v = 'gone' WHERE id <= 5; TRUNCATE parent CASCADE;"
                            + " INSERT INTO parent VALUES (1, 'again'), (2000, 'new'); INSERT INTO child VALUES (7, 1, 'x');"
                            + " COMMIT",
                    "UPDATE parent SET v = 'later' WHERE id = 2000");
            for (int i = 0; i < tables.size(); i++) {
                String name = tables.get(i).spec().name();
                System.out.println(name + ": " + awaitEqual(pg, ch, tables.get(i).schema(), name, MINUTES));
            }
        } finally {
            cluster.cancelJob(job).get(1, TimeUnit.MINUTES);
        }
    }

    /**
     * A TRUNCATE while the table's initial load is still writing rows of the older snapshot. Postgres
     * holds the TRUNCATE until the load's transaction ends, but the load's last rows wait in its
     * writer up to the sync interval and can land after the TRUNCATE was applied.
     */
    @Test
    void truncateDuringTheInitialLoad(@InjectMiniCluster MiniCluster cluster) throws Exception {
        pg.execute("CREATE TABLE big (id int PRIMARY KEY, pad text)",
                "INSERT INTO big SELECT g, 'x' FROM generate_series(1, 1000000) g", "ANALYZE big");
        PipeSpec spec = PipeTestKit.spec("ddl_truncate_load", pg, ch, "[big]",
                "{snapshot_num_rows_per_partition: 20000, initial_load_parallelism: 1, sync_interval_seconds: 5}");
        List<SourceTable> tables = PostgresPipeSetup.run(spec);
        JobID job = PipeTestKit.submit(cluster, spec, tables, null);
        try {
            var status = new dev.ferry.operators.clickhouse.ClickHouseStatusTables(ch.client(), ch.statusDatabase());
            long deadline = System.currentTimeMillis() + MINUTES.toMillis();
            while (status.progress(spec.name()).stream().mapToLong(r -> r.partitionsDone()).sum() < 1
                    && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            pg.execute("TRUNCATE big", "INSERT INTO big VALUES (1, 'after the truncate')");
            var progress = status.progress(spec.name()).get(0);
            System.out.println("truncated during the load at " + progress.partitionsDone() + "/" + progress.partitionsTotal());
            awaitState(ch, spec.name(), PipeState.RUNNING, MINUTES);
            System.out.println("big: " + awaitEqual(pg, ch, tables.get(0).schema(), "big", MINUTES));
        } finally {
            cluster.cancelJob(job).get(1, TimeUnit.MINUTES);
        }
    }

    private TableSchema currentSchema(String table) throws Exception {
        try (Connection c = pg.connect()) {
            return PostgresCatalog.read(c, new TableSpec("public", table, table), true).schema();
        }
    }
}
