package dev.ferry.jobs.postgres;

import static dev.ferry.jobs.postgres.PipeTestKit.awaitEqual;
import static dev.ferry.jobs.postgres.PipeTestKit.awaitState;
import static dev.ferry.jobs.postgres.PipeTestKit.start;
import static org.assertj.core.api.Assertions.assertThat;

import com.clickhouse.client.api.query.GenericRecord;
import dev.ferry.jobs.FerryCli;
import dev.ferry.operators.postgres.setup.PostgresCatalog.SourceTable;
import dev.ferry.state.lifecycle.PipeState;
import dev.ferry.state.schema.ColumnSchema;
import dev.ferry.state.schema.TableSchema;
import dev.ferry.state.spec.PipeSpec;
import dev.ferry.testing.ClickHouseTestDatabase;
import dev.ferry.testing.PostgresTestDatabase;
import dev.ferry.testing.PostgresValueCases.Case;
import dev.ferry.testing.PostgresValueCases;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The change stream writes exactly what the initial load writes, for every mapped type: the same
 * rows (edge values, then random ones from a printed seed) are loaded into one table by the initial
 * load and inserted into another after the pipe is Running, then both are updated in another column
 * and partly deleted; after each step the two ClickHouse tables agree row by row on a checksum of
 * every column, and each equals its Postgres table. On Debian's Postgres 15 with replica identity
 * FULL and DEFAULT, and on Postgres 13, 14, 16, 17 and 18 with DEFAULT.
 */
class ChangeStreamValuesIT {
    @RegisterExtension
    static final MiniClusterExtension FLINK = PipeTestKit.miniCluster(4);
    private static final Duration WAIT = Duration.ofMinutes(2);
    /** Random rows per run; -Dferry.values.rows raises it for a longer soak. */
    private static final int RANDOM_ROWS = Integer.getInteger("ferry.values.rows", 150);

    private PostgresTestDatabase pg;
    private ClickHouseTestDatabase ch;

    @AfterEach
    void drop() {
        if (ch != null) {
            ch.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    /** With FULL, updates log the old row; with DEFAULT, unchanged TOASTed values are read back from the table. */
    static Stream<Arguments> servers() {
        return Stream.of(Arguments.of(15, "FULL"), Arguments.of(15, "DEFAULT"), Arguments.of(13, "DEFAULT"),
                Arguments.of(14, "DEFAULT"), Arguments.of(16, "DEFAULT"), Arguments.of(17, "DEFAULT"),
                Arguments.of(18, "DEFAULT"));
    }

    @ParameterizedTest(name = "Postgres {0}, replica identity {1}")
    @MethodSource("servers")
    void everyTypeIsWrittenAlikeByTheInitialLoadAndTheChangeStream(int postgres, String replicaIdentity)
            throws Exception {
        pg = new PostgresTestDatabase("values", postgres);
        ch = new ClickHouseTestDatabase("values");
        long seed = Long.getLong("ferry.values.seed", new Random().nextLong());
        System.out.println("ChangeStreamValuesIT seed " + seed + " (rerun with -Dferry.values.seed=" + seed + ")");
        List<Case> cases = PostgresValueCases.all(postgres);
        int edgeRows = PostgresValueCases.edgeRows(cases);
        List<String> rows = rows(cases, edgeRows, new Random(seed));

        pg.execute(PostgresValueCases.SETUP);
        for (String table : List.of("loaded", "streamed")) {
            StringJoiner columns = new StringJoiner(", ", "CREATE TABLE " + table + " (id int PRIMARY KEY, touch int, ", ")");
            cases.forEach(c -> columns.add(c.column() + " " + c.type()));
            pg.execute(columns.toString(), "ALTER TABLE " + table + " REPLICA IDENTITY " + replicaIdentity);
        }
        insert("loaded", cases, rows);

        // Small partitions, so the load reads several CTID ranges (a TID range scan from Postgres 14 on).
        PipeSpec spec = PipeTestKit.spec("values", pg, ch, "[loaded, streamed]",
                "{sync_interval_seconds: 1, snapshot_num_rows_per_partition: 40, initial_load_parallelism: 2}");
        List<SourceTable> tables = PostgresPipeSetup.run(spec);
        TableSchema loaded = tables.get(0).schema();
        TableSchema streamed = tables.get(1).schema();
        JobClient job = start(spec, tables);
        try {
            awaitState(ch, spec.name(), PipeState.RUNNING, WAIT);
            insert("streamed", cases, rows);
            awaitEqual(pg, ch, streamed, "streamed", WAIT);
            awaitEqual(pg, ch, loaded, "loaded", WAIT);
            assertSameRows(loaded, "inserted");

            // An update of another column rewrites every edge value from the old row and the new one.
            pg.execute("UPDATE loaded SET touch = 1", "UPDATE streamed SET touch = 1");
            awaitEqual(pg, ch, loaded, "loaded", WAIT);
            awaitEqual(pg, ch, streamed, "streamed", WAIT);
            assertSameRows(loaded, "updated");

            pg.execute("DELETE FROM loaded WHERE id % 3 = 0", "DELETE FROM streamed WHERE id % 3 = 0");
            awaitEqual(pg, ch, loaded, "loaded", WAIT);
            awaitEqual(pg, ch, streamed, "streamed", WAIT);
            assertSameRows(loaded, "deleted");
            assertThat(ch.count("SELECT count() FROM `" + ch.name() + "`.streamed WHERE _is_deleted = 1"))
                    .isEqualTo(rows.size() / 3);
            assertThat(new FerryCli(ch).lastState(spec.name())).isEqualTo(PipeState.RUNNING);
        } finally {
            job.cancel().get();
        }
    }

    private static List<String> rows(List<Case> cases, int edgeRows, Random random) {
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < edgeRows + RANDOM_ROWS; i++) {
            StringJoiner values = new StringJoiner(", ", "(" + (i + 1) + ", 0, ", ")");
            for (Case c : cases) {
                String v = PostgresValueCases.value(c, i, edgeRows, random);
                values.add(v == null ? "NULL" : v + "::" + c.type());
            }
            rows.add(values.toString());
        }
        return rows;
    }

    private void insert(String table, List<Case> cases, List<String> rows) {
        StringJoiner columns = new StringJoiner(", ", "INSERT INTO " + table + " (id, touch, ", ") VALUES ");
        cases.forEach(c -> columns.add(c.column()));
        for (int from = 0; from < rows.size(); from += 20) {
            pg.execute(columns + String.join(", ", rows.subList(from, Math.min(rows.size(), from + 20))));
        }
    }

    /** The two ClickHouse tables hold the same rows: a checksum of every user column per key. */
    private void assertSameRows(TableSchema schema, String step) {
        Map<String, String> a = checksums("loaded", schema);
        Map<String, String> b = checksums("streamed", schema);
        assertThat(b.keySet()).as("keys after " + step).isEqualTo(a.keySet());
        List<String> differences = new ArrayList<>();
        for (var e : new TreeMap<>(a).entrySet()) {
            if (!e.getValue().equals(b.get(e.getKey())) && differences.size() < 5) {
                differences.add("id " + e.getKey() + ": " + columnDifferences(schema, e.getKey()));
            }
        }
        assertThat(differences).as("rows the initial load and the change stream wrote differently, after " + step)
                .isEmpty();
    }

    private Map<String, String> checksums(String table, TableSchema schema) {
        Map<String, String> out = new HashMap<>();
        for (GenericRecord r : ch.query("SELECT toString(id), hex(MD5(toString(tuple(" + userColumns(schema)
                + ")))) FROM `" + ch.name() + "`.`" + table + "` FINAL WHERE _is_deleted = 0")) {
            out.put(r.getString(1), r.getString(2));
        }
        return out;
    }

    private String columnDifferences(TableSchema schema, String id) {
        StringJoiner out = new StringJoiner("; ");
        for (ColumnSchema c : schema.columns()) {
            String sql = "SELECT substring(toString(`" + c.name() + "`), 1, 80) FROM `" + ch.name() + "`.`%s` FINAL"
                    + " WHERE _is_deleted = 0 AND id = " + id;
            String load = ch.query(String.format(sql, "loaded")).get(0).getString(1);
            String stream = ch.query(String.format(sql, "streamed")).get(0).getString(1);
            if (!load.equals(stream)) {
                out.add(c.name() + " (" + c.sourceType() + "): initial load " + load + ", change stream " + stream);
            }
        }
        return out.toString();
    }

    private static String userColumns(TableSchema schema) {
        StringJoiner j = new StringJoiner(", ");
        schema.columns().forEach(c -> j.add("`" + c.name() + "`"));
        return j.toString();
    }
}
