package dev.ferry.jobs.postgres;

import static dev.ferry.jobs.postgres.PipeTestKit.awaitEqual;
import static dev.ferry.jobs.postgres.PipeTestKit.awaitState;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.operators.postgres.setup.PostgresCatalog.SourceTable;
import dev.ferry.operators.postgres.setup.PostgresCatalog;
import dev.ferry.state.lifecycle.PipeState;
import dev.ferry.state.spec.PipeSpec;
import dev.ferry.testing.ClickHouseTestDatabase;
import dev.ferry.testing.PostgresTestDatabase;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
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

/**
 * {@code order_by}, {@code primary_key} and {@code partition_by}: the ClickHouse table is made as the
 * spec says, and stays equal to the source while sorting and partition columns beyond the key change
 * (each change of them removes the row's old version), through the load, a TaskManager lost and the
 * change stream.
 */
class PostgresDestinationTableIT {
    @RegisterExtension
    static final MiniClusterExtension FLINK = PipeTestKit.miniCluster(8);
    private static final Duration MINUTES = Duration.ofMinutes(2);

    private PostgresTestDatabase pg;
    private ClickHouseTestDatabase ch;

    @BeforeEach
    void databases() {
        pg = new PostgresTestDatabase("keys");
        ch = new ClickHouseTestDatabase("keys");
    }

    @AfterEach
    void drop() {
        ch.close();
        pg.close();
    }

    @Test
    void sortingAndPartitionColumnsBeyondTheKeyChangeWithoutLeavingOldVersions(@InjectMiniCluster MiniCluster cluster)
            throws Exception {
        Random random = PipeTestKit.seeded("destination keys", "ferry.keys.seed");
        pg.execute("CREATE TABLE event (id int PRIMARY KEY, kind text, day date, amount numeric(12, 2), note text)",
                "ALTER TABLE event REPLICA IDENTITY FULL",
                "INSERT INTO event SELECT g, CASE WHEN g % 7 = 0 THEN NULL ELSE 'k' || g % 5 END,"
                        + " date '2024-01-01' + g % 90, g / 4.0, 'n' || g FROM generate_series(1, 20000) g");
        PipeSpec spec = PipeTestKit.spec("keys", pg, ch,
                "[{source: event, order_by: [Kind, day, id], primary_key: [kind], partition_by: 'toYYYYMM(day)'}]",
                "{sync_interval_seconds: 1, snapshot_num_rows_per_partition: 4000, initial_load_parallelism: 2}");
        List<SourceTable> tables = PostgresPipeSetup.run(spec);
        assertThat(ch.query("SELECT sorting_key, primary_key, partition_key FROM system.tables WHERE database = '"
                        + ch.name() + "' AND name = 'event'").stream()
                .map(r -> r.getString(1) + " | " + r.getString(2) + " | " + r.getString(3)))
                .as("keys as the engine has them").containsExactly("kind, day, id | (kind) | toYYYYMM(day)");
        JobID job = PipeTestKit.submit(cluster, spec, tables, null);
        try {
            int statements = write(random, 200);
            PipeTestKit.loseTaskManager(cluster);
            cluster.startTaskManager();
            statements += write(random, 200);
            awaitState(ch, spec.name(), PipeState.RUNNING, MINUTES);
            statements += write(random, 300);
            System.out.println("statements: " + statements);
            try (Connection c = pg.connect()) {
                System.out.println("event: " + awaitEqual(pg, ch,
                        PostgresCatalog.read(c, spec.table("public.event").orElseThrow(), true).schema(), "event", MINUTES));
            }
        } finally {
            cluster.cancelJob(job).get(1, TimeUnit.MINUTES);
        }
    }

    /**
     * {@code current_view} reads the current rows and follows added and renamed columns; with
     * {@code deletes: ignore} rows deleted or truncated at the source stay as last seen. The source
     * side of that is kept by triggers that copy each removed row into a shadow table.
     */
    @Test
    void aCurrentViewFollowsColumnsAndIgnoredDeletesKeepRows(@InjectMiniCluster MiniCluster cluster) throws Exception {
        Random random = PipeTestKit.seeded("current view", "ferry.keys.seed");
        pg.execute("CREATE TABLE line (id int PRIMARY KEY, sku text, qty int)",
                "CREATE TABLE line_gone (LIKE line)",
                "CREATE FUNCTION keep_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                        + " DELETE FROM line_gone WHERE id = OLD.id; INSERT INTO line_gone SELECT OLD.*; RETURN OLD; END $$",
                "CREATE FUNCTION keep_all() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                        + " INSERT INTO line_gone SELECT * FROM line; RETURN NULL; END $$",
                "CREATE TRIGGER kept BEFORE DELETE ON line FOR EACH ROW EXECUTE FUNCTION keep_row()",
                "CREATE TRIGGER kept_all BEFORE TRUNCATE ON line FOR EACH STATEMENT EXECUTE FUNCTION keep_all()",
                "INSERT INTO line SELECT g, 's' || g % 50, g FROM generate_series(1, 3000) g");
        PipeSpec spec = PipeTestKit.spec("view", pg, ch, "[{source: line, current_view: line_now, deletes: ignore}]",
                "{sync_interval_seconds: 1}");
        JobID job = PipeTestKit.submit(cluster, spec, PostgresPipeSetup.run(spec), null);
        int next = 3001;
        try {
            awaitState(ch, spec.name(), PipeState.RUNNING, MINUTES);
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < 150; i++) {
                    int id = 1 + random.nextInt(next);
                    pg.execute(switch (random.nextInt(4)) {
                        case 0 -> "INSERT INTO line (id, sku) SELECT g, 'new' FROM generate_series(" + next + ", "
                                + (next += 1 + random.nextInt(5)) + " - 1) g";
                        case 1 -> "UPDATE line SET sku = sku || '+' WHERE id BETWEEN " + id + " AND " + (id + 20);
                        default -> "DELETE FROM line WHERE id BETWEEN " + id + " AND " + (id + random.nextInt(8));
                    });
                }
                pg.execute(switch (round) {
                    case 0 -> "ALTER TABLE line ADD COLUMN note text DEFAULT 'n'; ALTER TABLE line_gone ADD COLUMN note text DEFAULT 'n'";
                    case 1 -> "ALTER TABLE line RENAME COLUMN qty TO quantity; ALTER TABLE line_gone RENAME COLUMN qty TO quantity";
                    default -> "TRUNCATE line";
                });
                pg.execute("INSERT INTO line (id, sku) VALUES (" + next++ + ", 'after')");
            }
            try (Connection c = pg.connect()) {
                // No key is both current and gone: deleted keys never come back. Rows deleted before a column was
                // added read its default there, as they do in ClickHouse, where they still were.
                System.out.println("line with the rows deleted: " + awaitEqual(pg, ch,
                        PostgresCatalog.read(c, spec.table("public.line").orElseThrow(), true).schema(),
                        "(SELECT * FROM line UNION ALL SELECT * FROM line_gone) kept", MINUTES));
            }
            assertThat(ch.query("SELECT name FROM system.columns WHERE database = '" + ch.name()
                    + "' AND table = 'line_now' ORDER BY position").stream().map(r -> r.getString(1)))
                    .containsExactly("id", "sku", "quantity", "note");
            assertThat(rows("SELECT * FROM `" + ch.name() + "`.line_now ORDER BY id"))
                    .isEqualTo(rows("SELECT id, sku, quantity, note FROM `" + ch.name()
                            + "`.line FINAL WHERE _is_deleted = 0 ORDER BY id"));
        } finally {
            cluster.cancelJob(job).get(1, TimeUnit.MINUTES);
        }
    }

    /**
     * {@code deletes: hard}: rows deleted at the source (one by one, moved to another sorting key,
     * deleted and inserted again, truncated) end with none of their versions left in the table's
     * parts, not only hidden by FINAL, while the rest stays equal to the source. Prints how long after
     * the last change the deleted rows' bytes were gone.
     */
    @Test
    void hardDeletesLeaveNoVersionOfDeletedRows(@InjectMiniCluster MiniCluster cluster) throws Exception {
        Random random = PipeTestKit.seeded("hard deletes", "ferry.keys.seed");
        pg.execute("CREATE TABLE acct (id int PRIMARY KEY, grp int, v text)", "ALTER TABLE acct REPLICA IDENTITY FULL",
                "INSERT INTO acct SELECT g, g % 10, 'v' || g FROM generate_series(1, 5000) g");
        PipeSpec spec = PipeTestKit.spec("hard", pg, ch, "[{source: acct, order_by: [grp, id], deletes: hard}]",
                "{sync_interval_seconds: 1, hard_delete_interval_seconds: 2}");
        JobID job = PipeTestKit.submit(cluster, spec, PostgresPipeSetup.run(spec), null);
        try {
            awaitState(ch, spec.name(), PipeState.RUNNING, MINUTES);
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < 100; i++) {
                    int id = 1 + random.nextInt(6000);
                    pg.execute(switch (random.nextInt(5)) {
                        case 0 -> "INSERT INTO acct SELECT g, g % 7, 'new' FROM generate_series(" + id + ", " + (id + 5)
                                + ") g ON CONFLICT (id) DO UPDATE SET v = 'again'";
                        case 1 -> "UPDATE acct SET grp = grp + 1 WHERE id BETWEEN " + id + " AND " + (id + 10);
                        case 2 -> "UPDATE acct SET v = v || '+' WHERE id BETWEEN " + id + " AND " + (id + 10);
                        default -> "DELETE FROM acct WHERE id BETWEEN " + id + " AND " + (id + random.nextInt(20));
                    });
                }
                if (round == 1) {
                    pg.execute("TRUNCATE acct", "INSERT INTO acct SELECT g, g % 3, 'after' FROM generate_series(1, 4000) g");
                }
            }
            long lastChange = System.currentTimeMillis();
            try (Connection c = pg.connect()) {
                System.out.println("acct: " + awaitEqual(pg, ch,
                        PostgresCatalog.read(c, spec.table("public.acct").orElseThrow(), true).schema(), "acct", MINUTES));
            }
            java.util.Set<Integer> atSource = new java.util.HashSet<>();
            try (Connection c = pg.connect(); var st = c.createStatement(); var rs = st.executeQuery("SELECT id FROM acct")) {
                while (rs.next()) {
                    atSource.add(rs.getInt(1));
                }
            }
            String table = "`" + ch.name() + "`.acct";
            long deadline = System.currentTimeMillis() + MINUTES.toMillis();
            while (true) {
                // every row version in the parts, none hidden by a lightweight delete: no key the source lacks
                List<Integer> stored = ch.query("SELECT DISTINCT id FROM " + table).stream().map(r -> r.getInteger(1)).toList();
                long tombstones = ch.count("SELECT count() FROM " + table + " WHERE _is_deleted = 1");
                long hidden = ch.count("SELECT sum(rows) FROM system.parts WHERE database = '" + ch.name()
                        + "' AND table = 'acct' AND active") - ch.count("SELECT count() FROM " + table);
                long gone = stored.stream().filter(id -> !atSource.contains(id)).count();
                if (gone == 0 && tombstones == 0 && hidden == 0) {
                    break;
                }
                assertThat(System.currentTimeMillis()).as(gone + " deleted keys, " + tombstones + " deletes and " + hidden
                        + " hidden rows still stored").isLessThan(deadline);
                Thread.sleep(200);
            }
            System.out.println("deleted rows' bytes gone " + (System.currentTimeMillis() - lastChange)
                    + " ms after the last change (hard_delete_interval_seconds: 2)");
        } finally {
            cluster.cancelJob(job).get(1, TimeUnit.MINUTES);
        }
    }

    /**
     * {@code column_types}: the ClickHouse columns have the chosen types, and every value through the
     * load and the change stream is the source's under the stated rules (decimals rounded half up,
     * NULL beyond the precision or for NaN; timestamps truncated; JSON that is not an object NULL),
     * computed independently in Postgres.
     */
    @Test
    void chosenColumnTypesHoldTheSourceValuesByTheirRules(@InjectMiniCluster MiniCluster cluster) throws Exception {
        Random random = PipeTestKit.seeded("column types", "ferry.keys.seed");
        pg.execute("CREATE TABLE typed (id int PRIMARY KEY, amount numeric, price numeric(12, 4), qty int, status text,"
                        + " at timestamp, at_tz timestamptz, doc jsonb)",
                "INSERT INTO typed SELECT g, " + amount("g") + ", g / 7.0, g * 3, 's' || g % 4,"
                        + " timestamp '2024-01-01' + g * interval '1.234567 s', timestamptz '2024-01-01 00:00:00+00'"
                        + " + g * interval '0.7 s', " + doc("g") + " FROM generate_series(1, 5000) g");
        PipeSpec spec = PipeTestKit.spec("typed", pg, ch, "[{source: typed, column_types: {amount: 'Decimal(18, 2)',"
                + " price: 'Decimal(10, 2)', qty: 'Decimal(9, 1)', status: 'LowCardinality(String)', at: 'DateTime64(3)',"
                + " at_tz: \"DateTime64(0, 'UTC')\", doc: JSON}}]", "{sync_interval_seconds: 1}");
        JobID job = PipeTestKit.submit(cluster, spec, PostgresPipeSetup.run(spec), null);
        try {
            assertThat(columnsAndTypes("typed")).containsExactly("id Int32",
                    "amount Nullable(Decimal(18, 2))", "price Nullable(Decimal(10, 2))", "qty Nullable(Decimal(9, 1))",
                    "status LowCardinality(Nullable(String))", "at Nullable(DateTime64(3))",
                    "at_tz Nullable(DateTime64(0, 'UTC'))", "doc Nullable(JSON)");
            awaitState(ch, spec.name(), PipeState.RUNNING, MINUTES);
            for (int i = 0; i < 300; i++) {
                int id = 1 + random.nextInt(5200);
                pg.execute(switch (random.nextInt(4)) {
                    case 0 -> "UPDATE typed SET amount = " + amount(Integer.toString(random.nextInt(1 << 30)))
                            + ", doc = " + doc(Integer.toString(random.nextInt(100))) + " WHERE id BETWEEN " + id + " AND "
                            + (id + 10);
                    case 1 -> "UPDATE typed SET at = at + interval '0.000999 s', at_tz = at_tz + interval '0.5 s',"
                            + " price = price * -3.3, qty = NULL WHERE id BETWEEN " + id + " AND " + (id + 10);
                    case 2 -> "INSERT INTO typed (id, amount, status) VALUES (" + (6000 + i) + ", 'NaN', NULL)";
                    default -> "DELETE FROM typed WHERE id = " + id;
                });
            }
            // ClickHouse prints decimals without trailing zeros
            String expected = "SELECT id::text || '|' || coalesce(CASE WHEN amount = 'NaN' OR abs(round(amount, 2)) >= 1e16"
                    + " THEN NULL ELSE trim_scale(round(amount, 2))::text END, 'N') || '|'"
                    + " || coalesce(trim_scale(round(price, 2))::text, 'N') || '|'"
                    + " || coalesce(trim_scale(round(qty::numeric, 1))::text, 'N') || '|' || coalesce(status, 'N') || '|'"
                    + " || coalesce(to_char(at, 'YYYY-MM-DD HH24:MI:SS.MS'), 'N') || '|'"
                    + " || coalesce(to_char(at_tz AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), 'N') || '|'"
                    + " || coalesce(CASE WHEN jsonb_typeof(doc) = 'object' THEN doc ->> 'k' END, 'N') FROM typed ORDER BY id";
            String actual = "SELECT concat(toString(id), '|', ifNull(toString(amount), 'N'), '|', ifNull(toString(price), 'N'),"
                    + " '|', ifNull(toString(qty), 'N'), '|', ifNull(status, 'N'), '|', ifNull(toString(at), 'N'), '|',"
                    + " ifNull(toString(at_tz), 'N'), '|', if(isNull(doc), 'N', toString(doc.k))) FROM `" + ch.name()
                    + "`.typed FINAL WHERE _is_deleted = 0 ORDER BY id";
            System.out.println("typed: " + awaitSameRows(expected, actual) + " rows equal under the rules");
        } finally {
            cluster.cancelJob(job).get(1, TimeUnit.MINUTES);
        }
    }

    /**
     * {@code json_type: auto} (JSON on this server) and {@code numeric_type} for the columns
     * {@code column_types} does not name, values under the stated rules through the load and the
     * stream; then, with {@code decimal_out_of_range: fail}, a value beyond the precision stops the
     * pipe naming the column instead of being written as NULL.
     */
    @Test
    void tableWideTypesAndTheOutOfRangeRule(@InjectMiniCluster MiniCluster cluster) throws Exception {
        Random random = PipeTestKit.seeded("table-wide types", "ferry.keys.seed");
        pg.execute("CREATE TABLE wide (id int PRIMARY KEY, amount numeric, rate numeric, doc jsonb, raw json,"
                        + " fixed numeric(12, 3))",
                "INSERT INTO wide SELECT g, g / 8.0 + g % 5 * 0.00005, CASE WHEN g % 9 = 0 THEN NULL ELSE -g * 1.5 END, "
                        + doc("g") + ", " + doc("g") + "::json, g / 3.0 FROM generate_series(1, 3000) g");
        PipeSpec spec = PipeTestKit.spec("wide", pg, ch, "[{source: wide, json_type: auto, numeric_type: 'Decimal(20, 4)',"
                + " decimal_out_of_range: fail, column_types: {rate: 'Decimal(30, 1)'}}]", "{sync_interval_seconds: 1}");
        JobID job = PipeTestKit.submit(cluster, spec, PostgresPipeSetup.run(spec), null);
        assertThat(columnsAndTypes("wide")).containsExactly("id Int32",
                "amount Nullable(Decimal(20, 4))", "rate Nullable(Decimal(30, 1))", "doc Nullable(JSON)", "raw Nullable(JSON)",
                "fixed Nullable(Decimal(12, 3))");
        awaitState(ch, spec.name(), PipeState.RUNNING, MINUTES);
        for (int i = 0; i < 200; i++) {
            int id = 1 + random.nextInt(3200);
            pg.execute(switch (random.nextInt(3)) {
                case 0 -> "UPDATE wide SET amount = amount * -7.77777, doc = " + doc(Integer.toString(random.nextInt(50)))
                        + " WHERE id BETWEEN " + id + " AND " + (id + 10);
                case 1 -> "INSERT INTO wide (id, amount, raw) VALUES (" + (4000 + i) + ", " + random.nextInt(1 << 30)
                        + ".123456, '{\"k\": " + i + "}') ON CONFLICT DO NOTHING";
                default -> "DELETE FROM wide WHERE id = " + id;
            });
        }
        String expected = "SELECT id::text || '|' || coalesce(trim_scale(round(amount, 4))::text, 'N') || '|'"
                + " || coalesce(trim_scale(round(rate, 1))::text, 'N') || '|'"
                + " || coalesce(CASE WHEN jsonb_typeof(doc) = 'object' THEN doc ->> 'k' END, 'N') || '|'"
                + " || coalesce(CASE WHEN json_typeof(raw) = 'object' THEN raw ->> 'k' END, 'N') || '|'"
                + " || coalesce(trim_scale(fixed)::text, 'N') FROM wide ORDER BY id";
        String actual = "SELECT concat(toString(id), '|', ifNull(toString(amount), 'N'), '|', ifNull(toString(rate), 'N'), '|',"
                + " if(isNull(doc), 'N', toString(doc.k)), '|', if(isNull(raw), 'N', toString(raw.k)), '|',"
                + " ifNull(toString(fixed), 'N')) FROM `" + ch.name() + "`.wide FINAL WHERE _is_deleted = 0 ORDER BY id";
        System.out.println("wide: " + awaitSameRows(expected, actual) + " rows equal under the rules");

        pg.execute("UPDATE wide SET amount = 123456789012345678 WHERE id = (SELECT min(id) FROM wide)");
        Throwable failure = cluster.requestJobResult(job).get(2, TimeUnit.MINUTES).getSerializedThrowable()
                .orElseThrow().deserializeError(getClass().getClassLoader());
        assertThat(com.google.common.base.Throwables.getStackTraceAsString(failure))
                .contains("123456789012345678").contains("does not fit column amount Nullable(Decimal(20, 4))")
                .contains("decimal_out_of_range is fail");
    }

    /**
     * {@code allow_nullable_columns: false}: no column is Nullable in ClickHouse, and every NULL of the
     * source, loaded or changed, reads as its type's default there.
     */
    @Test
    void withoutNullableColumnsNullsAreTheTypesDefaults(@InjectMiniCluster MiniCluster cluster) throws Exception {
        pg.execute("CREATE TABLE plain (id int PRIMARY KEY, n int, t text, d date, m numeric(10, 2), b bool, a int[])",
                "INSERT INTO plain SELECT g, CASE WHEN g % 3 = 0 THEN NULL ELSE g END, CASE WHEN g % 4 = 0 THEN NULL"
                        + " ELSE 't' || g END, CASE WHEN g % 5 = 0 THEN NULL ELSE date '2024-01-01' + g END,"
                        + " CASE WHEN g % 6 = 0 THEN NULL ELSE g / 4.0 END, CASE WHEN g % 7 = 0 THEN NULL ELSE g % 2 = 0 END,"
                        + " CASE WHEN g % 8 = 0 THEN NULL ELSE ARRAY[g] END FROM generate_series(1, 3000) g");
        PipeSpec spec = PipeTestKit.spec("plain", pg, ch, "[plain]",
                "{sync_interval_seconds: 1, allow_nullable_columns: false}");
        JobID job = PipeTestKit.submit(cluster, spec, PostgresPipeSetup.run(spec), null);
        try {
            assertThat(ch.query("SELECT type FROM system.columns WHERE database = '" + ch.name() + "' AND table = 'plain'")
                    .stream().map(r -> r.getString(1))).noneMatch(type -> type.startsWith("Nullable(")); // array elements may still be NULL
            awaitState(ch, spec.name(), PipeState.RUNNING, MINUTES);
            pg.execute("UPDATE plain SET n = NULL, t = NULL, m = NULL WHERE id % 10 = 1",
                    "UPDATE plain SET d = NULL, b = NULL, a = NULL WHERE id % 10 = 2",
                    "INSERT INTO plain (id) VALUES (5000)", "DELETE FROM plain WHERE id % 10 = 3");
            String expected = "SELECT id || '|' || coalesce(n, 0) || '|' || coalesce(t, '') || '|'"
                    + " || coalesce(d, date '1970-01-01') || '|' || coalesce(trim_scale(m), 0) || '|' || coalesce(b, false)"
                    + " || '|' || coalesce(array_to_string(a, ','), '') FROM plain ORDER BY id";
            String actual = "SELECT concat(toString(id), '|', toString(n), '|', t, '|', toString(d), '|', toString(m), '|',"
                    + " toString(b), '|', arrayStringConcat(a, ',')) FROM `" + ch.name()
                    + "`.plain FINAL WHERE _is_deleted = 0 ORDER BY id";
            System.out.println("plain: " + awaitSameRows(expected, actual) + " rows equal, NULLs as defaults");
        } finally {
            cluster.cancelJob(job).get(1, TimeUnit.MINUTES);
        }
    }

    /** An unbounded numeric of many sizes and scales, now and then beyond Decimal(18, 2). */
    private static String amount(String n) {
        return "CASE WHEN " + n + " % 97 = 0 THEN 'NaN'::numeric WHEN " + n + " % 89 = 0 THEN " + n + " * 1e20"
                + " ELSE " + n + " / 8.0 + " + n + " % 5 * 0.005 END";
    }

    /** jsonb: mostly objects with k a number or a string, sometimes an array or a scalar, or NULL. */
    private static String doc(String n) {
        return "CASE " + n + " % 5 WHEN 0 THEN jsonb_build_object('k', " + n + ") WHEN 1 THEN jsonb_build_object('k', 's' || "
                + n + ", 'other', true) WHEN 2 THEN jsonb_build_array(" + n + ") WHEN 3 THEN NULL ELSE to_jsonb(" + n + ") END";
    }

    /** The ClickHouse table's columns but Ferry's own, each as "name type", in order. */
    private List<String> columnsAndTypes(String table) {
        return ch.query("SELECT name, type FROM system.columns WHERE database = '" + ch.name() + "' AND table = '" + table
                + "' AND name NOT LIKE '\\_%' ORDER BY position").stream().map(r -> r.getString(1) + " " + r.getString(2))
                .toList();
    }

    /** Waits until both queries (one text column each) list the same rows in the same order; returns how many. */
    private int awaitSameRows(String pgSql, String chSql) throws Exception {
        long deadline = System.currentTimeMillis() + MINUTES.toMillis();
        List<String> source;
        List<String> there;
        do {
            Thread.sleep(500);
            source = pgRows(pgSql);
            there = ch.query(chSql).stream().map(r -> r.getString(1)).toList();
        } while (!source.equals(there) && System.currentTimeMillis() < deadline);
        assertThat(there).containsExactlyElementsOf(source);
        return source.size();
    }

    private List<String> pgRows(String sql) throws Exception {
        List<String> rows = new java.util.ArrayList<>();
        try (Connection c = pg.connect(); java.sql.Statement st = c.createStatement();
                java.sql.ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
        }
        return rows;
    }

    /**
     * A ClickHouse table the user made: taken when it can hold the rows (columns in another order, one
     * more with a default, a wider sorting key), refused with the reasons when it cannot.
     */
    @Test
    void aTableTheUserMadeIsWrittenWhenItFitsAndRefusedWhenNot(@InjectMiniCluster MiniCluster cluster) throws Exception {
        pg.execute("CREATE TABLE item (id int PRIMARY KEY, name text, price numeric(10, 2))",
                "INSERT INTO item SELECT g, 'i' || g, g / 3.0 FROM generate_series(1, 2000) g");
        ch.execute("CREATE DATABASE `" + ch.name() + "`");
        ch.execute("CREATE TABLE `" + ch.name() + "`.item (id Int32, name Int64, _version UInt64) ENGINE = MergeTree"
                + " ORDER BY name");
        PipeSpec spec = PipeTestKit.spec("mine", pg, ch, "[item]", "{sync_interval_seconds: 1}");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> PostgresPipeSetup.run(spec))
                .hasMessageContaining("public.item: ClickHouse table " + ch.name() + ".item exists, but its engine is"
                        + " MergeTree, not ReplacingMergeTree(_version, _is_deleted); it needs a column _is_deleted UInt8;"
                        + " its sorting key lacks key column id; column name of item is Int64 in ClickHouse");
        ch.execute("DROP TABLE `" + ch.name() + "`.item");
        ch.execute("CREATE TABLE `" + ch.name() + "`.item (price Nullable(Decimal(10, 2)), note String DEFAULT 'mine',"
                + " id Int32, name Nullable(String), _is_deleted UInt8, _version UInt64)"
                + " ENGINE = ReplacingMergeTree(_version, _is_deleted) ORDER BY (id, note)");
        JobID job = PipeTestKit.submit(cluster, spec, PostgresPipeSetup.run(spec), null);
        try {
            awaitState(ch, spec.name(), PipeState.RUNNING, MINUTES);
            pg.execute("UPDATE item SET price = price * 2 WHERE id % 3 = 0", "DELETE FROM item WHERE id % 11 = 0",
                    "INSERT INTO item VALUES (5000, 'new', 1.5)");
            try (Connection c = pg.connect()) {
                System.out.println("item: " + awaitEqual(pg, ch,
                        PostgresCatalog.read(c, spec.table("public.item").orElseThrow(), true).schema(), "item", MINUTES));
            }
            assertThat(ch.count("SELECT count() FROM `" + ch.name() + "`.item FINAL WHERE note != 'mine'")).isZero();
        } finally {
            cluster.cancelJob(job).get(1, TimeUnit.MINUTES);
        }
    }

    private List<String> rows(String sql) {
        return ch.query(sql).stream().map(r -> r.getString(1) + "|" + r.getString(2) + "|" + r.getString(3) + "|"
                + r.getString(4)).toList();
    }

    /** Random transactions, most of them moving rows to another sorting key or partition. */
    private int write(Random random, int statements) {
        for (int i = 0; i < statements; i++) {
            int id = 1 + random.nextInt(21_000);
            String kind = random.nextInt(6) == 0 ? "NULL" : "'k" + random.nextInt(8) + "'";
            int first = 200_000 + random.nextInt(1 << 20) * 4;
            pg.execute(switch (random.nextInt(8)) {
                case 0 -> "UPDATE event SET kind = " + kind + " WHERE id BETWEEN " + id + " AND " + (id + random.nextInt(60));
                case 1 -> "UPDATE event SET day = day + " + (random.nextInt(120) - 60) + " WHERE id BETWEEN " + id + " AND "
                        + (id + random.nextInt(40));
                case 2 -> "UPDATE event SET note = note || '+', amount = amount + 1 WHERE id BETWEEN " + id + " AND "
                        + (id + 30);
                case 3 -> "BEGIN; UPDATE event SET kind = " + kind + " WHERE id = " + id + "; UPDATE event SET kind = 'again',"
                        + " day = day + 31 WHERE id = " + id + "; COMMIT";
                case 4 -> "UPDATE event SET id = id + 100000 WHERE id = " + id; // a new key
                case 5 -> "DELETE FROM event WHERE id BETWEEN " + id + " AND " + (id + random.nextInt(10));
                case 6 -> "INSERT INTO event SELECT g, " + kind + ", date '2024-03-01' + g % 7, 1, 'new' FROM generate_series("
                        + first + ", " + (first + 2) + ") g ON CONFLICT DO NOTHING";
                default -> "UPDATE event SET kind = NULL, day = NULL WHERE id = " + id;
            });
        }
        return statements;
    }
}
