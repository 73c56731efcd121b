package dev.ferry.jobs.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.operators.clickhouse.ClickHouseStatusTables.TableProgressRow;
import dev.ferry.operators.clickhouse.ClickHouseStatusTables;
import dev.ferry.operators.postgres.setup.PostgresCatalog.SourceTable;
import dev.ferry.state.lifecycle.PipeState;
import dev.ferry.state.spec.PipeSpec;
import dev.ferry.testing.ClickHouseTestDatabase;
import dev.ferry.testing.LocalServers;
import dev.ferry.testing.PostgresTestDatabase;
import dev.ferry.testing.TableComparison;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The initial load at size, with holes, concurrent writers and an injected failure. */
class PostgresLoadIT {
    @RegisterExtension
    static final MiniClusterExtension FLINK = PipeTestKit.miniCluster(8);

    private PostgresTestDatabase pg;
    private ClickHouseTestDatabase ch;

    @BeforeEach
    void databases() {
        pg = new PostgresTestDatabase("load");
        ch = new ClickHouseTestDatabase("load");
    }

    @AfterEach
    void drop() {
        ch.close();
        pg.close();
    }

    /** One million rows of many types, NULLs, extremes, unicode and quoted mixed-case names. */
    @Test
    void millionRowsLandEqualRowByRow() throws Exception {
        pg.execute("""
                CREATE SCHEMA "Sales Data";
                CREATE TABLE "Sales Data"."Order Lines" (
                  "Id" bigint PRIMARY KEY, "Customer Name" text, amount numeric(18,4), score double precision,
                  ratio real, qty integer, flag boolean, created timestamptz, day date, payload jsonb,
                  tags text[], uid uuid, note varchar(40), raw bytea)""",
                """
                INSERT INTO "Sales Data"."Order Lines"
                SELECT g,
                  CASE WHEN g % 11 = 0 THEN NULL ELSE 'Zákazník ' || g || ' 顧客 🚢' END,
                  CASE WHEN g % 13 = 0 THEN NULL ELSE (g * 37 % 1000003) / 7.0 END,
                  CASE WHEN g % 17 = 0 THEN NULL ELSE g * pi() END,
                  (g % 1000) / 3.0,
                  CASE WHEN g % 19 = 0 THEN NULL ELSE (g::bigint * 7919 % 2147483647)::int END,
                  g % 3 = 0,
                  timestamptz '2000-01-01 00:00:00+00' + g * interval '17 seconds',
                  date '1970-01-01' + (g % 40000),
                  CASE WHEN g % 23 = 0 THEN NULL ELSE jsonb_build_object('g', g, 's', 'ü"\\') END,
                  CASE WHEN g % 29 = 0 THEN NULL ELSE ARRAY['t' || (g % 10), NULL, ''] END,
                  md5(g::text)::uuid,
                  left(md5(g::text), (g % 40)),
                  decode(lpad(to_hex(g), 8, '0'), 'hex')
                FROM generate_series(1, 1000000) g""",
                """
                INSERT INTO "Sales Data"."Order Lines" VALUES
                  (-9223372036854775808, '', -99999999999999.9999, 'NaN', '-Infinity', -2147483648, NULL,
                   '-infinity', '-infinity', '{}', '{}', '00000000-0000-0000-0000-000000000000', '', ''),
                  (9223372036854775807, repeat('ж', 10000), 99999999999999.9999, 1.7976931348623157e308, 'Infinity',
                   2147483647, true, 'infinity', 'infinity', '[1, {"a": null}]', '{NULL}',
                   'ffffffff-ffff-ffff-ffff-ffffffffffff', repeat('x', 40), '\\x00ff00')""",
                "ANALYZE \"Sales Data\".\"Order Lines\"");
        PipeSpec spec = PipeTestKit.spec("load_million", pg, ch, "['\"Sales Data\".\"Order Lines\"']",
                "{replication_mode: snapshot, sync_interval_seconds: 2}");
        long sessionsBefore = sessions();
        long start = System.nanoTime();
        List<SourceTable> tables = PipeTestKit.runToCompletion(spec);
        double seconds = (System.nanoTime() - start) / 1e9;
        long opened = sessions() - sessionsBefore;
        System.out.printf("initial load of 1,000,002 rows took %.1f s (%.0f rows/s), %d connections%n", seconds,
                1_000_002 / seconds, opened);

        assertEqual(tables.get(0), "\"Sales Data\".\"Order Lines\"", 1_000_002);
        ClickHouseStatusTables status = new ClickHouseStatusTables(ch.client(), ch.statusDatabase());
        TableProgressRow progress = status.progress("load_million").get(0);
        assertThat(progress.partitionsDone()).isEqualTo(progress.partitionsTotal()).isGreaterThan(5);
        assertThat(progress.rowsSnapshotted()).isEqualTo(1_000_002);
        assertThat(status.lastState("load_million")).contains(PipeState.COMPLETED);
        // the 4 readers keep their two connections from partition to partition (setup, planning and the
        // exported snapshot take a few more); a connection per partition would be over 2 * partitions
        assertThat(opened).as("connections for " + progress.partitionsTotal() + " partitions")
                .isLessThanOrEqualTo(2 * 4 + 8);
    }

    /** Connections made to the test database so far (pg_stat_database counts them). */
    private long sessions() throws Exception {
        try (Connection c = pg.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Holes from deletes (vacuumed and not), the window strategy, and rows inserted during the load. */
    @Test
    void holesDeadTuplesAndConcurrentInserts() throws Exception {
        pg.execute("CREATE TABLE holes (id bigint PRIMARY KEY, v text)",
                "INSERT INTO holes SELECT g, repeat('v', g % 300) FROM generate_series(1, 200000) g",
                "DELETE FROM holes WHERE id % 3 <> 0 AND id < 100000",
                "VACUUM holes",
                "DELETE FROM holes WHERE id BETWEEN 150000 AND 170000",
                "UPDATE holes SET v = 'updated' WHERE id % 10 = 0");
        long initialMax = 200_000;
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong inserted = new AtomicLong();
        Thread writer = new Thread(() -> {
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                for (long id = initialMax + 1; !stop.get(); id++) {
                    st.execute("INSERT INTO holes VALUES (" + id + ", 'concurrent')");
                    inserted.incrementAndGet();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        writer.start();
        PipeSpec spec = PipeTestKit.spec("load_holes", pg, ch, "[holes]",
                "{replication_mode: snapshot, snapshot_partitioning: count_window, snapshot_num_rows_per_partition:"
                        + " 10000, initial_load_parallelism: 3, sync_interval_seconds: 1}");
        List<SourceTable> tables;
        try {
            tables = PipeTestKit.runToCompletion(spec);
        } finally {
            stop.set(true);
            writer.join();
        }
        assertThat(inserted.get()).isPositive();
        // Every row committed before the snapshot landed; rows inserted during the load landed only if the
        // snapshot saw them, and then exactly as in the source.
        List<Long> landedLater = new ArrayList<>();
        ch.query("SELECT id FROM `" + ch.name() + "`.holes FINAL WHERE id > " + initialMax)
                .forEach(r -> landedLater.add(r.getLong(1)));
        String view = "(SELECT * FROM holes WHERE id <= " + initialMax
                + (landedLater.isEmpty() ? "" : " OR id IN (" + String.join(",", landedLater.stream().map(String::valueOf).toList()) + ")")
                + ") s";
        try (Connection c = pg.connect()) {
            TableComparison.Result r = TableComparison.compare(c, view, ch, tables.get(0).schema());
            assertThat(r.differences()).isEmpty();
            assertThat(r.sourceRows()).isGreaterThan(100_000);
        }
    }

    /**
     * Reader connections are killed mid-load: the job restarts from its checkpoint, finishes, and the copy
     * is equal. No partition the checkpoint knew of is read again from its start: one in progress continues
     * after its last checkpointed row. Only partitions handed out after that checkpoint are read again.
     * Reads are counted in the Postgres statement log; the checkpoint time comes from Flink.
     */
    @Test
    void failureMidSnapshotRecoversWithoutRereadingPartitions(@InjectMiniCluster MiniCluster cluster) throws Exception {
        pg.execute("CREATE TABLE big (id bigint PRIMARY KEY, a text, b double precision)",
                "INSERT INTO big SELECT g, md5(g::text), g / 3.0 FROM generate_series(1, 2000000) g",
                "ANALYZE big",
                "ALTER DATABASE " + pg.name() + " SET log_statement = 'all'");
        long logStart = Files.size(LocalServers.postgresLog());
        PipeSpec spec = PipeTestKit.spec("load_fail", pg, ch, "[big]",
                "{replication_mode: snapshot, snapshot_num_rows_per_partition: 50000, initial_load_parallelism: 1,"
                        + " sync_interval_seconds: 1}");
        List<SourceTable> tables = PostgresPipeSetup.run(spec);
        JobClient job = PipeTestKit.start(spec, tables);

        ClickHouseStatusTables status = new ClickHouseStatusTables(ch.client(), ch.statusDatabase());
        long deadline = System.currentTimeMillis() + 120_000;
        TableProgressRow progress = null;
        while (System.currentTimeMillis() < deadline) {
            List<TableProgressRow> rows = status.progress("load_fail");
            progress = rows.isEmpty() ? null : rows.get(0);
            boolean checkpointed = cluster.getArchivedExecutionGraph(job.getJobID()).get().getCheckpointStatsSnapshot()
                    .getHistory().getLatestCompletedCheckpoint() != null;
            if (progress != null && progress.partitionsDone() >= 3 && checkpointed) {
                break;
            }
            Thread.sleep(50);
        }
        assertThat(progress).isNotNull();
        assertThat(progress.partitionsDone()).as("the failure must come mid-load").isLessThan(progress.partitionsTotal());
        List<String> activeQueries = new ArrayList<>();
        try (Connection c = pg.connect(); Statement st = c.createStatement()) {
            // Wait until a reader is reading a partition (active: a session idle after the last partition
            // would end without an error), then kill those at once.
            long connectedBy = System.currentTimeMillis() + 10_000;
            while (activeQueries.isEmpty() && System.currentTimeMillis() < connectedBy) {
                try (ResultSet rs = st.executeQuery("SELECT query, pg_terminate_backend(pid) FROM pg_stat_activity"
                        + " WHERE application_name = 'ferry:load_fail:snapshot' AND state = 'active'"
                        + " AND query LIKE '%ferry pipe=load_fail%'")) {
                    while (rs.next()) {
                        activeQueries.add(rs.getString(1));
                    }
                }
            }
        }
        long checkpointedAt = cluster.getArchivedExecutionGraph(job.getJobID()).get().getCheckpointStatsSnapshot()
                .getHistory().getLatestCompletedCheckpoint().getTriggerTimestamp();
        assertThat(activeQueries).isNotEmpty().allMatch(q -> q.contains("ferry pipe=load_fail table=public.big partition "));
        assertThat(activeQueries).anyMatch(q -> q.matches("(?s).*partition \\d+/\\d+ ctid \\[.*\\).*"));

        job.getJobExecutionResult().get(5, TimeUnit.MINUTES);
        assertEqual(tables.get(0), "big", 2_000_000);
        assertThat(status.lastState("load_fail")).contains(PipeState.COMPLETED);

        // Count reads per partition in the statement log.
        // logStart counts bytes, and the log holds multi-byte characters: cut before decoding.
        byte[] logBytes = Files.readAllBytes(LocalServers.postgresLog());
        String log = new String(logBytes, (int) logStart, logBytes.length - (int) logStart, java.nio.charset.StandardCharsets.UTF_8);
        Pattern read = Pattern.compile("^(\\S+ \\S+) UTC .*ferry pipe=load_fail table=public\\.big partition (\\d+)/(\\d+)"
                + " ctid \\[(?:start|\\(\\d+,\\d+\\)), (?:end|\\(\\d+,\\d+\\))\\)( resuming after)?");
        DateTimeFormatter logTime = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").withZone(ZoneOffset.UTC);
        Map<Integer, List<Long>> startedAt = new HashMap<>();
        int resumed = 0;
        List<Integer> resumedPartitions = new ArrayList<>();
        int total = 0;
        // One "execute" line per query; a cursor's later fetches log as "execute fetch from".
        for (String line : log.lines().filter(l -> l.contains("execute ") && !l.contains("execute fetch from")).toList()) {
            Matcher m = read.matcher(line);
            if (m.find()) {
                total = Integer.parseInt(m.group(3));
                int partition = Integer.parseInt(m.group(2));
                if (m.group(4) == null) {
                    long at = Instant.from(logTime.parse(m.group(1))).toEpochMilli();
                    startedAt.computeIfAbsent(partition, k -> new ArrayList<>()).add(at);
                } else {
                    resumed++;
                    resumedPartitions.add(partition);
                }
            }
        }
        assertThat(startedAt).hasSize(total);
        assertThat(resumed + startedAt.values().stream().mapToInt(List::size).sum() - total)
                .as("reads after the failure").isPositive();
        for (int partition : resumedPartitions) {
            assertThat(startedAt.get(partition)).as("partition %d continued after the failure", partition).hasSize(1);
        }
        int readAgain = 0;
        for (Map.Entry<Integer, List<Long>> e : startedAt.entrySet()) {
            if (e.getValue().get(0) < checkpointedAt) {
                assertThat(e.getValue()).as("partition %d, started before the checkpoint", e.getKey()).hasSize(1);
            } else {
                assertThat(e.getValue()).as("partition %d, handed out after the checkpoint", e.getKey()).hasSizeBetween(1, 2);
                readAgain += e.getValue().size() - 1;
            }
        }
        System.out.printf("%d partitions; %d continued after the failure, %d handed out after the last checkpoint"
                + " read again from their start%n", total, resumed, readAgain);
    }

    private void assertEqual(SourceTable table, String pgName, long rows) throws Exception {
        try (Connection c = pg.connect()) {
            TableComparison.Result r = TableComparison.compare(c, pgName, ch, table.schema());
            assertThat(r.differences()).isEmpty();
            assertThat(r.sourceRows()).isEqualTo(rows);
            assertThat(r.destinationRows()).isEqualTo(rows);
        }
    }
}
