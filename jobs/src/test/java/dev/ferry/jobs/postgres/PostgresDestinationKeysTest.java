package dev.ferry.jobs.postgres;

import static dev.ferry.jobs.postgres.PipeTestKit.awaitEqual;
import static dev.ferry.jobs.postgres.PipeTestKit.awaitState;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.operators.postgres.PostgresCatalog;
import dev.ferry.operators.postgres.PostgresCatalog.SourceTable;
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
class PostgresDestinationKeysTest {
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
        long seed = Long.getLong("ferry.keys.seed", System.nanoTime());
        System.out.println("destination keys seed: " + seed + " (-Dferry.keys.seed to repeat)");
        Random random = new Random(seed);
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
