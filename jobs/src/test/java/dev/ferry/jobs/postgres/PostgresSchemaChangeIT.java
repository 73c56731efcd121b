package dev.ferry.jobs.postgres;

import static dev.ferry.jobs.postgres.PipeTestKit.awaitEqual;
import static dev.ferry.jobs.postgres.PipeTestKit.awaitState;
import static org.assertj.core.api.Assertions.assertThat;

import com.clickhouse.client.api.query.GenericRecord;
import dev.ferry.operators.postgres.setup.PostgresCatalog.SourceTable;
import dev.ferry.state.lifecycle.PipeState;
import dev.ferry.state.spec.PipeSpec;
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
class PostgresSchemaChangeIT {
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
            awaitEqual(pg, ch, PipeTestKit.currentSchema(pg, "t"), "t", MINUTES);
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
            awaitEqual(pg, ch, PipeTestKit.currentSchema(pg, "p"), "p", MINUTES);
            List<GenericRecord> kept = ch.query("SELECT id, gone FROM `" + ch.name() + "`.p FINAL WHERE id IN (1, 200)"
                    + " ORDER BY id");
            assertThat(kept.get(1).getLong(2)).as("a dropped column keeps its values in ClickHouse").isEqualTo(200);
        } finally {
            cluster.cancelJob(job).get(1, TimeUnit.MINUTES);
        }
    }

    /**
     * Changes a ClickHouse table cannot follow in place, each of which Postgres applies by rewriting
     * every row without logging one: a type change with new values (int to bigint USING), a renamed
     * key column, a column added with a volatile default, while the pipe runs; a type change and
     * rows while it is paused, resumed with nothing after them in the slot; the same type again with
     * new values (USING). Each time the table is copied again by itself, under writes, and ends exact
     * with the new types; each copy is a row in pipe_states.
     */
    @Test
    void incompatibleChangesCopyTheTableAgain(@InjectMiniCluster MiniCluster cluster, @TempDir Path savepoints)
            throws Exception {
        pg.execute("CREATE TABLE w (id int PRIMARY KEY, v int)", "INSERT INTO w SELECT g, g FROM generate_series(1, 3000) g");
        PipeSpec spec = PipeTestKit.spec("ddl_type", pg, ch, "[w]", "{sync_interval_seconds: 1}");
        List<SourceTable> tables = PostgresPipeSetup.run(spec);
        JobID job = PipeTestKit.submit(cluster, spec, tables, null);
        try {
            awaitState(ch, spec.name(), PipeState.RUNNING, MINUTES);
            pg.execute("UPDATE w SET v = -v WHERE id % 7 = 0",
                    "ALTER TABLE w ALTER COLUMN v TYPE bigint USING v::bigint * 1000000",
                    "UPDATE w SET v = 5000000000 WHERE id = 1", "DELETE FROM w WHERE id % 11 = 0");
            awaitEqual(pg, ch, PipeTestKit.currentSchema(pg, "w"), "w", MINUTES);
            assertThat(columnType("w", "v")).isEqualTo("Nullable(Int64)");

            pg.execute("ALTER TABLE w RENAME COLUMN id TO ident", "INSERT INTO w VALUES (3001, 1)");
            awaitEqual(pg, ch, PipeTestKit.currentSchema(pg, "w"), "w", MINUTES);
            pg.execute("ALTER TABLE w ADD COLUMN at timestamptz DEFAULT clock_timestamp()",
                    "UPDATE w SET v = v + 1 WHERE ident % 5 = 0");
            awaitEqual(pg, ch, PipeTestKit.currentSchema(pg, "w"), "w", MINUTES);

            String savepoint = PipeTestKit.stopWithSavepoint(cluster, job, savepoints);
            pg.execute("INSERT INTO w (ident, v) SELECT g, g FROM generate_series(3002, 3500) g",
                    "ALTER TABLE w ALTER COLUMN v TYPE numeric(20, 2) USING v / 3.0");
            job = PipeTestKit.submit(cluster, spec, PostgresPipeSetup.readSourceTables(spec), savepoint);
            awaitEqual(pg, ch, PipeTestKit.currentSchema(pg, "w"), "w", MINUTES);
            pg.execute("UPDATE w SET v = v * 2 WHERE ident % 3 = 0");
            awaitEqual(pg, ch, PipeTestKit.currentSchema(pg, "w"), "w", MINUTES);
            assertThat(columnType("w", "v")).isEqualTo("Nullable(Decimal(20, 2))");
            // the same type again, new values: seen only by the rewrite
            pg.execute("ALTER TABLE w ALTER COLUMN v TYPE numeric(20, 2) USING -v", "INSERT INTO w VALUES (3501, 7)");
            awaitEqual(pg, ch, PipeTestKit.currentSchema(pg, "w"), "w", MINUTES);
            List<String> events = ch.query("SELECT reason FROM `" + ch.statusDatabase() + "`.pipe_states WHERE pipe = '"
                    + spec.name() + "' AND state = previous ORDER BY at").stream().map(r -> r.getString(1)).toList();
            assertThat(String.join("\n", events)).contains("column v changed type from int4 to int8")
                    .contains("its key changed from (id) to (ident)")
                    .contains("column at was added with values Postgres computed")
                    .contains("column v changed type from int8 to numeric")
                    .contains("column v was redefined and every row rewritten");
        } finally {
            cluster.cancelJob(job).get(1, TimeUnit.MINUTES);
        }
    }

    /**
     * The session reading a table's copy is killed in the middle of it: the stream reconnects and
     * makes the copy again from a new snapshot, and the table ends exact.
     */
    @Test
    void aCopyCutByALostConnectionIsMadeAgain(@InjectMiniCluster MiniCluster cluster) throws Exception {
        pg.execute("CREATE TABLE big (id int PRIMARY KEY, v int)",
                "INSERT INTO big SELECT g, g FROM generate_series(1, 400000) g");
        PipeSpec spec = PipeTestKit.spec("ddl_cut", pg, ch, "[big]", "{sync_interval_seconds: 1}");
        List<SourceTable> tables = PostgresPipeSetup.run(spec);
        JobID job = PipeTestKit.submit(cluster, spec, tables, null);
        try {
            awaitState(ch, spec.name(), PipeState.RUNNING, MINUTES);
            pg.execute("ALTER TABLE big ALTER COLUMN v TYPE bigint USING v * 10", "UPDATE big SET v = -1 WHERE id = 1");
            long deadline = System.currentTimeMillis() + 60_000;
            // Only once rows of the copy arrive is the copy registered (a session killed before that
            // only makes the stream read the type change again, which is not what this test is about).
            while (copyRows("big_reload") == 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            int killed = 0;
            while (killed == 0 && System.currentTimeMillis() < deadline) {
                try (Connection c = pg.connect(); java.sql.Statement st = c.createStatement();
                        java.sql.ResultSet rs = st.executeQuery("SELECT count(pg_terminate_backend(pid)) FROM"
                                + " pg_stat_activity WHERE application_name = 'ferry:" + spec.name() + ":reload'")) {
                    rs.next();
                    killed = rs.getInt(1);
                }
                Thread.sleep(20);
            }
            assertThat(killed).as("a copy session was found").isPositive();
            pg.execute("UPDATE big SET v = -2 WHERE id % 1000 = 0");
            awaitEqual(pg, ch, PipeTestKit.currentSchema(pg, "big"), "big", MINUTES);
            assertThat(columnType("big", "v")).isEqualTo("Nullable(Int64)");
            assertThat(ch.count("SELECT count() FROM `" + ch.statusDatabase() + "`.pipe_states WHERE pipe = '"
                    + spec.name() + "' AND reason LIKE '%cut short by a lost connection%'")).isPositive();
        } finally {
            cluster.cancelJob(job).get(1, TimeUnit.MINUTES);
        }
    }

    private long copyRows(String table) {
        return ch.count("SELECT count() FROM system.tables WHERE database = '" + ch.name() + "' AND name = '" + table
                + "'") == 0 ? 0 : ch.count("SELECT count() FROM `" + ch.name() + "`.`" + table + "`");
    }

    /** Runs {@code statements} once the pipe's initial load has finished a partition; returns how far it was. */
    private String afterAPartition(PipeSpec spec, String... statements) throws InterruptedException {
        var status = new dev.ferry.operators.clickhouse.ClickHouseStatusTables(ch.client(), ch.statusDatabase());
        long deadline = System.currentTimeMillis() + MINUTES.toMillis();
        while (status.progress(spec.name()).stream().mapToLong(r -> r.partitionsDone()).sum() < 1
                && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        pg.execute(statements);
        var progress = status.progress(spec.name()).get(0);
        return progress.partitionsDone() + "/" + progress.partitionsTotal();
    }

    private void awaitColumnType(String table, String column, String type) throws InterruptedException {
        long deadline = System.currentTimeMillis() + MINUTES.toMillis();
        while (!columnType(table, column).equals(type) && System.currentTimeMillis() < deadline) {
            Thread.sleep(200);
        }
        assertThat(columnType(table, column)).isEqualTo(type);
    }

    private String columnType(String table, String column) {
        return ch.query("SELECT type FROM system.columns WHERE database = '" + ch.name() + "' AND table = '" + table
                + "' AND name = '" + column + "'").get(0).getString(1);
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
        awaitEqual(pg, ch, PipeTestKit.currentSchema(pg, "r"), "r", MINUTES);
        String savepoint = PipeTestKit.stopWithSavepoint(cluster, job, savepoints);

        pg.execute("ALTER TABLE r RENAME COLUMN b TO b2", "UPDATE r SET b2 = -b2 WHERE id BETWEEN 11 AND 20");
        job = PipeTestKit.submit(cluster, spec, PostgresPipeSetup.readSourceTables(spec), savepoint);
        try {
            awaitEqual(pg, ch, PipeTestKit.currentSchema(pg, "r"), "r", MINUTES);
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
            System.out.println("truncated during the load at " + afterAPartition(spec, "TRUNCATE big",
                    "INSERT INTO big VALUES (1, 'after the truncate')"));
            awaitState(ch, spec.name(), PipeState.RUNNING, MINUTES);
            System.out.println("big: " + awaitEqual(pg, ch, tables.get(0).schema(), "big", MINUTES));
        } finally {
            cluster.cancelJob(job).get(1, TimeUnit.MINUTES);
        }
    }

    /**
     * A column retyped (int to bigint: ClickHouse's Int32 cannot take it in place) in the middle of
     * the initial load, with no row of the table changed after it, so no relation message tells the
     * stream: the load leaves the table to the change stream, which sees the change in the catalog and
     * copies the table again; it ends exact, with the new type. Then the same while the stream runs.
     */
    @Test
    void retypedDuringTheInitialLoad(@InjectMiniCluster MiniCluster cluster) throws Exception {
        pg.execute("CREATE TABLE big (id int PRIMARY KEY, v int, pad text)",
                "INSERT INTO big SELECT g, g * 3, 'x' FROM generate_series(1, 600000) g", "ANALYZE big");
        PipeSpec spec = PipeTestKit.spec("ddl_retype_load", pg, ch, "[big]",
                "{snapshot_num_rows_per_partition: 20000, initial_load_parallelism: 1, sync_interval_seconds: 2}");
        List<SourceTable> tables = PostgresPipeSetup.run(spec);
        JobID job = PipeTestKit.submit(cluster, spec, tables, null);
        try {
            System.out.println("retyped during the load at " + afterAPartition(spec, "ALTER TABLE big ALTER COLUMN v TYPE bigint"));
            awaitState(ch, spec.name(), PipeState.RUNNING, MINUTES);
            // the old values fit either type: equal rows may show before the copy under the new type replaces them
            awaitColumnType("big", "v", "Nullable(Int64)");
            System.out.println("big: " + awaitEqual(pg, ch, PipeTestKit.currentSchema(pg, "big"), "big", MINUTES));
            // while the stream runs, again with no row changed after: it finds the change in the catalog
            pg.execute("ALTER TABLE big ALTER COLUMN v TYPE numeric(30, 0)");
            awaitColumnType("big", "v", "Nullable(Decimal(30, 0))");
            awaitEqual(pg, ch, PipeTestKit.currentSchema(pg, "big"), "big", MINUTES);
            pg.execute("UPDATE big SET v = 5000000000 * id WHERE id % 1000 = 0");
            awaitEqual(pg, ch, PipeTestKit.currentSchema(pg, "big"), "big", MINUTES);
        } finally {
            cluster.cancelJob(job).get(1, TimeUnit.MINUTES);
        }
    }

    /**
     * DDL interleaved with DML at random ({@code -Dferry.ddl.seed}, {@code -Dferry.ddl.rounds}):
     * columns added (with and without constant defaults, NOT NULL with a default), dropped, renamed,
     * NOT NULL dropped, types changed (with new values: USING, also where ClickHouse's type stays),
     * TRUNCATE, while the pipe runs, while it is paused wherever the stream was (the ALTERs then reach
     * the resumed pipe through the catalog and through rows still in the slot) and while it restarts
     * after a TaskManager was lost, with {@code dropped_columns} keep or drop. Every few rounds and at
     * the end ClickHouse equals Postgres by checksum over the source's columns.
     */
    @Test
    void randomDdlInterleavedWithDml(@InjectMiniCluster MiniCluster cluster, @TempDir Path savepoints) throws Exception {
        long seed = Long.getLong("ferry.ddl.seed", System.nanoTime());
        int rounds = Integer.getInteger("ferry.ddl.rounds", 40);
        System.out.println("ddl seed: " + seed);
        RandomDdl ddl = new RandomDdl(new java.util.Random(seed));
        String dropped = ddl.random.nextBoolean() ? "drop" : "keep";
        System.out.println("dropped_columns: " + dropped);
        pg.execute("CREATE TABLE z (id int PRIMARY KEY, c0 int, c1 text)",
                "INSERT INTO z SELECT g, g, 't' || g FROM generate_series(1, 2000) g");
        PipeSpec spec = PipeTestKit.spec("ddl_random", pg, ch, "[z]",
                "{sync_interval_seconds: 1, dropped_columns: " + dropped + "}");
        List<SourceTable> tables = PostgresPipeSetup.run(spec);
        JobID job = PipeTestKit.submit(cluster, spec, tables, null);
        try {
            awaitState(ch, spec.name(), PipeState.RUNNING, MINUTES);
            for (int round = 1; round <= rounds; round++) {
                if (ddl.random.nextInt(10) == 0) {
                    // paused wherever the stream is: rows from before the DDL below may still wait in the slot
                    String savepoint = PipeTestKit.stopWithSavepoint(cluster, job, savepoints);
                    for (int i = 0; i < 3; i++) {
                        pg.execute(ddl.next());
                    }
                    job = PipeTestKit.submit(cluster, spec, PostgresPipeSetup.readSourceTables(spec), savepoint);
                } else if (ddl.random.nextInt(25) == 0) {
                    // a TaskManager lost: the job restarts from its last checkpoint, the DDL goes on meanwhile
                    PipeTestKit.loseTaskManager(cluster);
                    pg.execute(ddl.next());
                    cluster.startTaskManager();
                } else {
                    pg.execute(ddl.next());
                }
                if (round % 10 == 0 || round == rounds) {
                    pg.execute(ddl.row()); // an ALTER alone logs nothing: a row brings it along
                    System.out.println("round " + round + ": " + awaitEqual(pg, ch, PipeTestKit.currentSchema(pg, "z"), "z", MINUTES));
                }
            }
            List<String> there = ch.query("SELECT name FROM system.columns WHERE database = '" + ch.name()
                    + "' AND table = 'z' AND name NOT LIKE '\\_%'").stream().map(r -> r.getString(1)).toList();
            List<String> source = PipeTestKit.currentSchema(pg, "z").columnNames();
            if (dropped.equals("drop")) {
                assertThat(there).as("dropped columns dropped").containsExactlyInAnyOrderElementsOf(source);
            } else {
                assertThat(there).as("dropped columns kept").containsAll(source);
            }
        } finally {
            cluster.cancelJob(job).get(1, TimeUnit.MINUTES);
        }
    }

    /** Random statements on table z: DML most of the time, sometimes a schema change or a TRUNCATE. */
    private static final class RandomDdl {
        private static final List<String> TYPES = List.of("int", "text", "numeric(10,2)", "timestamptz", "bool", "int[]");
        private final java.util.Random random;
        /** Non-key columns: name -> type, and which are NOT NULL. */
        private final java.util.Map<String, String> columns = new java.util.LinkedHashMap<>();
        private final java.util.Set<String> notNull = new java.util.HashSet<>();
        private int nextColumn = 2;
        private int nextId = 2001;

        RandomDdl(java.util.Random random) {
            this.random = random;
            columns.put("c0", "int");
            columns.put("c1", "text");
        }

        /** A statement: DML mostly; a schema change or a TRUNCATE sometimes. */
        String next() {
            int pick = random.nextInt(100);
            if (pick < 12) {
                String name = "c" + nextColumn++;
                String type = TYPES.get(random.nextInt(TYPES.size()));
                columns.put(name, type);
                return switch (random.nextInt(3)) {
                    case 0 -> "ALTER TABLE z ADD COLUMN " + name + " " + type;
                    case 1 -> "ALTER TABLE z ADD COLUMN " + name + " " + type + " DEFAULT " + literal(type);
                    default -> {
                        notNull.add(name);
                        yield "ALTER TABLE z ADD COLUMN " + name + " " + type + " NOT NULL DEFAULT " + literal(type);
                    }
                };
            }
            if (pick < 18 && columns.size() > 1) {
                String name = anyColumn();
                columns.remove(name);
                notNull.remove(name);
                return "ALTER TABLE z DROP COLUMN " + name;
            }
            if (pick < 24) {
                String name = anyColumn();
                String to = "r" + nextColumn++;
                columns.put(to, columns.remove(name));
                if (notNull.remove(name)) {
                    notNull.add(to);
                }
                return "ALTER TABLE z RENAME COLUMN " + name + " TO " + to;
            }
            if (pick < 27 && !notNull.isEmpty()) {
                String name = notNull.iterator().next();
                notNull.remove(name);
                return "ALTER TABLE z ALTER COLUMN " + name + " DROP NOT NULL";
            }
            if (pick < 29) {
                return "TRUNCATE z";
            }
            if (pick < 36) {
                String name = anyColumn();
                String to = switch (columns.get(name)) {
                    case "int" -> "bigint USING " + name + "::bigint * 100003";
                    case "numeric(10,2)" -> "numeric(14,4) USING " + name + " / 3";
                    case "bool" -> "int USING " + name + "::int";
                    // new values, the ClickHouse type unchanged: found only by the table's rewrite
                    case "text" -> "varchar(40) USING upper(" + name + ")";
                    case "varchar(40)" -> "text USING lower(" + name + ")";
                    case "bigint" -> "bigint USING " + name + " / 7";
                    default -> null;
                };
                if (to != null) {
                    String type = to.substring(0, to.indexOf(" USING"));
                    columns.put(name, type);
                    // a default of the old type does not convert by itself: dropped, and one of the new type set
                    return "ALTER TABLE z ALTER COLUMN " + name + " DROP DEFAULT, ALTER COLUMN " + name + " TYPE " + to
                            + ", ALTER COLUMN " + name + " SET DEFAULT " + literal(type);
                }
            }
            return dml();
        }

        /** One new row (other columns at their defaults): DML may touch none, after a TRUNCATE. */
        String row() {
            return "INSERT INTO z (id) VALUES (" + nextId++ + ")";
        }

        String dml() {
            StringBuilder sql = new StringBuilder("BEGIN;");
            for (int n = 1 + random.nextInt(4); n > 0; n--) {
                String column = anyColumn();
                String type = columns.get(column);
                switch (random.nextInt(3)) {
                    case 0 -> {
                        int last = nextId + random.nextInt(200);
                        sql.append(" INSERT INTO z (id, ").append(column).append(") SELECT g, ")
                                .append(value(column, type)).append(" FROM generate_series(").append(nextId)
                                .append(", ").append(last).append(") g;");
                        nextId = last + 1;
                    }
                    case 1 -> sql.append(" UPDATE z SET ").append(column).append(" = ").append(value(column, type))
                            .append(" WHERE id % ").append(2 + random.nextInt(9)).append(" = 0;");
                    default -> sql.append(" DELETE FROM z WHERE id % ").append(5 + random.nextInt(40)).append(" = 1;");
                }
            }
            return sql.append(" COMMIT").toString();
        }

        private String anyColumn() {
            List<String> names = List.copyOf(columns.keySet());
            return names.get(random.nextInt(names.size()));
        }

        private String value(String column, String type) {
            return !notNull.contains(column) && random.nextInt(5) == 0 ? "NULL" : literal(type);
        }

        private String literal(String type) {
            int n = random.nextInt(100_000) - 50_000;
            return switch (type) {
                case "int" -> Integer.toString(n);
                case "bigint" -> Long.toString(n * 1_000_003L);
                case "numeric(14,4)" -> (n / 100) + "." + Math.abs(n % 10_000);
                case "text" -> "'it''s " + n + "'";
                case "varchar(40)" -> "'Var " + n + "'";
                case "numeric(10,2)" -> (n / 100) + "." + Math.abs(n % 100);
                case "timestamptz" -> "timestamptz '2021-03-04 05:06:07.123+00' + interval '" + n + " seconds'";
                case "bool" -> n % 2 == 0 ? "true" : "false";
                default -> "'{" + n + ",NULL," + (n + 1) + "}'::int[]";
            };
        }
    }
}
