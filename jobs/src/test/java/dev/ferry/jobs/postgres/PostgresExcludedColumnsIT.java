package dev.ferry.jobs.postgres;

import static dev.ferry.jobs.postgres.PipeTestKit.awaitEqual;
import static dev.ferry.jobs.postgres.PipeTestKit.awaitState;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.operators.postgres.setup.PostgresCatalog.SourceTable;
import dev.ferry.operators.postgres.setup.PostgresCatalog;
import dev.ferry.state.lifecycle.PipeState;
import dev.ferry.state.schema.TableSchema;
import dev.ferry.state.spec.PipeSpec;
import dev.ferry.state.spec.TableSpec;
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
 * {@code exclude_columns}: the columns named never reach ClickHouse, through the initial load, the
 * change stream (their changes alone, TOASTed values left unchanged, a keyless table's duplicates), a
 * TaskManager lost mid-load, and DDL on them, which the pipe does not need to follow.
 */
class PostgresExcludedColumnsIT {
    @RegisterExtension
    static final MiniClusterExtension FLINK = PipeTestKit.miniCluster(8);
    private static final Duration MINUTES = Duration.ofMinutes(2);

    private PostgresTestDatabase pg;
    private ClickHouseTestDatabase ch;

    @BeforeEach
    void databases() {
        pg = new PostgresTestDatabase("excl");
        ch = new ClickHouseTestDatabase("excl");
    }

    @AfterEach
    void drop() {
        ch.close();
        pg.close();
    }

    @Test
    void excludedColumnsNeverReachClickHouse(@InjectMiniCluster MiniCluster cluster) throws Exception {
        Random random = PipeTestKit.seeded("exclude_columns", "ferry.exclude.seed");
        pg.execute("CREATE TABLE person (id int PRIMARY KEY, name text, \"E-mail\" text, ssn char(11), bio text,"
                        + " doc jsonb, score numeric(10, 2))",
                "ALTER TABLE person ALTER COLUMN bio SET STORAGE EXTERNAL, ALTER COLUMN doc SET STORAGE EXTERNAL",
                "INSERT INTO person SELECT g, 'n' || g, 'e' || g || '@x.org', lpad(g::text, 11, '0'),"
                        + " CASE WHEN g % 40 = 0 THEN repeat('b', 4000) || g ELSE 'bio ' || g END,"
                        + " CASE WHEN g % 30 = 0 THEN jsonb_build_object('blob', repeat('d', 4000)) ELSE"
                        + " jsonb_build_object('k', g) END, g / 3.0 FROM generate_series(1, 30000) g",
                "CREATE TABLE visit (who text, at date, ip inet, note text)",
                "ALTER TABLE visit REPLICA IDENTITY FULL",
                "INSERT INTO visit SELECT 'w' || g % 20, date '2024-01-01' + g % 5, ('10.0.0.' || g % 250)::inet,"
                        + " CASE WHEN g % 3 = 0 THEN NULL ELSE 'n' END FROM generate_series(1, 3000) g");
        PipeSpec spec = PipeTestKit.spec("excl", pg, ch,
                "[{source: person, exclude_columns: ['\"E-mail\"', ssn, doc]}, {source: visit, exclude_columns: ip}]",
                "{sync_interval_seconds: 1, snapshot_num_rows_per_partition: 2000, initial_load_parallelism: 2}");
        List<SourceTable> tables = PostgresPipeSetup.run(spec);
        JobID job = PipeTestKit.submit(cluster, spec, tables, null);
        try {
            int statements = write(random, 300);
            PipeTestKit.loseTaskManager(cluster); // most likely mid-load: 15 partitions of person, 2 readers
            cluster.startTaskManager();
            statements += write(random, 300);
            awaitState(ch, spec.name(), PipeState.RUNNING, MINUTES);
            // DDL on excluded columns only: nothing for the pipe to follow or copy again.
            pg.execute("ALTER TABLE person ALTER COLUMN ssn TYPE text USING 'x' || ssn",
                    "ALTER TABLE person DROP COLUMN doc",
                    "ALTER TABLE visit ALTER COLUMN ip TYPE text");
            statements += write(random, 200);
            pg.execute("ALTER TABLE person ADD COLUMN extra int DEFAULT 7");
            statements += write(random, 200);
            System.out.println("statements: " + statements);

            System.out.println("person: " + awaitEqual(pg, ch, schema(spec, "person"), "person", MINUTES));
            System.out.println("visit: " + awaitEqual(pg, ch, schema(spec, "visit"), "visit", MINUTES));
            assertThat(ch.query("SELECT table, name FROM system.columns WHERE database = '" + ch.name()
                            + "' AND name IN ('E-mail', 'ssn', 'doc', 'ip')")).as("excluded columns in ClickHouse")
                    .isEmpty();
            assertThat(ch.count("SELECT count() FROM system.columns WHERE database = '" + ch.name()
                    + "' AND table = 'person' AND name = 'extra'")).as("a column added later is followed").isOne();
            assertThat(ch.query("SELECT reason FROM `" + ch.statusDatabase() + "`.pipe_states WHERE pipe = '"
                    + spec.name() + "' AND state = previous").stream().map(r -> r.getString(1)))
                    .as("copies beyond the keyless table's initial one")
                    .noneMatch(r -> r.startsWith("public.person") || r.contains("type") || r.contains("rewritten"));
        } finally {
            cluster.cancelJob(job).get(1, TimeUnit.MINUTES);
        }
    }

    private TableSchema schema(PipeSpec spec, String table) throws Exception {
        TableSpec t = spec.table("public." + table).orElseThrow();
        try (Connection c = pg.connect()) {
            return PostgresCatalog.read(c, t, true).schema();
        }
    }

    /** Random small transactions on both tables, many touching only excluded columns. */
    private int write(Random random, int statements) {
        for (int i = 0; i < statements; i++) {
            int id = 1 + random.nextInt(31_000);
            String who = "'w" + random.nextInt(20) + "'";
            pg.execute(switch (random.nextInt(10)) {
                case 0 -> "INSERT INTO person (id, name, \"E-mail\", ssn, score) VALUES (" + (40_000 + i + random.nextInt(1 << 20))
                        + ", 'new', 'new@x.org', '1', 1.5) ON CONFLICT DO NOTHING";
                case 1 -> "UPDATE person SET name = name || '+' WHERE id BETWEEN " + id + " AND " + (id + random.nextInt(80));
                case 2 -> "UPDATE person SET \"E-mail\" = 'changed@x.org' WHERE id BETWEEN " + id + " AND " + (id + 50);
                case 3 -> "UPDATE person SET score = score + 1, bio = CASE WHEN id % 2 = 0 THEN repeat('c', 3000) ELSE bio END"
                        + " WHERE id BETWEEN " + id + " AND " + (id + 20);
                case 4 -> "DELETE FROM person WHERE id BETWEEN " + id + " AND " + (id + random.nextInt(10));
                case 5 -> "INSERT INTO visit SELECT " + who + ", date '2024-01-02', '10.1.1.1', 'n' FROM generate_series(1, "
                        + (1 + random.nextInt(5)) + ")";
                case 6 -> "UPDATE visit SET ip = '10.9.9.9' WHERE ctid IN (SELECT ctid FROM visit WHERE who = " + who
                        + " LIMIT " + (1 + random.nextInt(20)) + ")";
                case 7 -> "UPDATE visit SET note = 'u' WHERE ctid IN (SELECT ctid FROM visit WHERE who = " + who
                        + " LIMIT " + (1 + random.nextInt(20)) + ")";
                case 8 -> "DELETE FROM visit WHERE ctid IN (SELECT ctid FROM visit WHERE who = " + who + " LIMIT "
                        + (1 + random.nextInt(10)) + ")";
                default -> "UPDATE person SET ssn = '99', name = name WHERE id = " + id;
            });
        }
        return statements;
    }
}
