package dev.ferry.jobs.postgres;

import static dev.ferry.jobs.postgres.PipeTestKit.awaitEqual;
import static dev.ferry.jobs.postgres.PipeTestKit.awaitState;
import static dev.ferry.jobs.postgres.PipeTestKit.currentSchema;

import com.clickhouse.client.api.Client;
import dev.ferry.jobs.PipeRuns;
import dev.ferry.jobs.local.LocalPipeState;
import dev.ferry.operators.clickhouse.ClickHouseConnections;
import dev.ferry.operators.clickhouse.ClickHouseResync;
import dev.ferry.operators.postgres.setup.PostgresCatalog.SourceTable;
import dev.ferry.state.lifecycle.PipeRun;
import dev.ferry.state.lifecycle.PipeState;
import dev.ferry.state.schema.TableSchema;
import dev.ferry.state.spec.PipeSpec;
import dev.ferry.testing.ClickHouseTestDatabase;
import dev.ferry.testing.LocalServers;
import dev.ferry.testing.PostgresTestDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
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
 * Faults drawn at random while a workload writes: the TaskManager killed, the whole job lost and
 * started again from its last retained checkpoint (what {@code ferry run} does after a kill -9),
 * ClickHouse stopped, Postgres restarted, the pipe paused and resumed, a table resynced (by a load
 * into a copy, or by the change stream's copy), a column added, dropped or retyped (also to the
 * same type with new values). After every round the workload stops for a moment and both tables, one keyed and one
 * keyless, must equal the source by per-row checksum.
 * {@code -Dferry.faults.seed} repeats a run; {@code -Dferry.faults.rounds} (default 6) or
 * {@code -Dferry.faults.minutes} (rounds until then: the long form, {@code bench/faults.sh}) set its
 * length; {@code -Dferry.faults.outage.seconds} bounds the outages (default 8).
 */
class PostgresFaultIT {
    @RegisterExtension
    static final MiniClusterExtension FLINK = PipeTestKit.miniCluster(8);
    private static final Duration SETTLE = Duration.ofMinutes(4);

    private PostgresTestDatabase pg;
    private ClickHouseTestDatabase ch;

    @BeforeEach
    void databases() {
        pg = new PostgresTestDatabase("faults");
        ch = new ClickHouseTestDatabase("faults");
    }

    @AfterEach
    void drop() {
        // a failed round may leave a server stopped
        LocalServers.runScript(Map.of(), "deploy/local/postgres.sh", "start");
        LocalServers.runScript(Map.of(), "deploy/local/clickhouse.sh", "start");
        ch.close();
        pg.close();
    }

    @Test
    void randomFaultsUnderWritesEndExact(@InjectMiniCluster MiniCluster cluster, @TempDir Path savepoints)
            throws Exception {
        long seed = Long.getLong("ferry.faults.seed", System.nanoTime());
        int rounds = Integer.getInteger("ferry.faults.rounds", 6);
        long minutes = Long.getLong("ferry.faults.minutes", 0);
        int outageSeconds = Integer.getInteger("ferry.faults.outage.seconds", 8);
        System.out.println("faults seed: " + seed);
        Random random = new Random(seed);
        pg.execute("CREATE TABLE acct (id bigint PRIMARY KEY, v int NOT NULL, note text)",
                "INSERT INTO acct SELECT g, g, md5(g::text) FROM generate_series(1, 20000) g",
                "CREATE TABLE ledger (who text, amount int)", "ALTER TABLE ledger REPLICA IDENTITY FULL",
                "INSERT INTO ledger SELECT 'w' || (g % 8), g % 50 FROM generate_series(1, 5000) g");
        PipeSpec spec = PipeTestKit.spec("faults", pg, ch, "[acct, ledger]", "{sync_interval_seconds: 1}");
        PipeRun run = PipeRuns.first(spec);
        LocalPipeState state = new LocalPipeState(savepoints, spec.name());
        Path savepointDir = state.root().resolve("savepoints");
        JobID job = PipeTestKit.submit(cluster, spec, PostgresPipeSetup.run(spec), run, null, state);
        Schema schema = new Schema();
        long deadline = System.currentTimeMillis() + TimeUnit.MINUTES.toMillis(minutes);
        try (Workload workload = new Workload(pg, random.nextLong(), 20_001)) {
            awaitState(ch, spec.name(), PipeState.RUNNING, SETTLE);
            for (int round = 1; minutes > 0 ? System.currentTimeMillis() < deadline : round <= rounds; round++) {
                Thread.sleep(1_000 + random.nextInt(3_000));
                String fault;
                switch (random.nextInt(7)) {
                    case 0 -> {
                        fault = "TaskManager killed";
                        PipeTestKit.loseTaskManager(cluster);
                        cluster.startTaskManager();
                    }
                    case 1 -> fault = "ClickHouse " + outage("clickhouse", 1 + random.nextInt(outageSeconds));
                    case 2 -> fault = "Postgres " + outage("postgres", 1 + random.nextInt(outageSeconds));
                    case 3 -> {
                        fault = "paused and resumed";
                        String savepoint = PipeTestKit.stopWithSavepoint(cluster, job, savepointDir);
                        Thread.sleep(random.nextInt(3_000)); // writes pile up in the slot
                        job = PipeTestKit.submit(cluster, spec, PostgresPipeSetup.readSourceTables(spec), run, savepoint,
                                state);
                    }
                    case 4 -> {
                        // as ferry resync does it: a keyed table by a load into a copy swapped in, a keyless
                        // one (or the keyed one, half of the time) by the change stream's own copy
                        String table = random.nextBoolean() ? "public.acct" : "public.ledger";
                        boolean load = table.equals("public.acct") && random.nextBoolean();
                        fault = "resync of " + table + (load ? " by a load" : " by the stream");
                        String savepoint = PipeTestKit.stopWithSavepoint(cluster, job, savepointDir);
                        List<SourceTable> tables = PostgresPipeSetup.readSourceTables(spec);
                        if (load) {
                            run = run.next(List.of(table), List.of(table), PipeState.RESYNC);
                            createResyncCopy(spec, tables, table, run);
                        } else {
                            run = run.reloading(List.of(table), PipeState.RESYNC);
                        }
                        job = PipeTestKit.submit(cluster, spec, tables, run, savepoint, state);
                    }
                    case 5 -> {
                        // no savepoint, no goodbye: the next run starts from the newest checkpoint or savepoint
                        fault = "job lost, resumed from its last checkpoint (as ferry run after kill -9)";
                        cluster.cancelJob(job).get(1, TimeUnit.MINUTES);
                        cluster.requestJobResult(job).get(1, TimeUnit.MINUTES);
                        String from = state.latest().orElseThrow().toString();
                        job = PipeTestKit.submit(cluster, spec, PostgresPipeSetup.readSourceTables(spec), run, from, state);
                    }
                    default -> {
                        fault = schema.next(random);
                        pg.execute(fault);
                    }
                }
                Thread.sleep(1_000 + random.nextInt(3_000));
                workload.quiet();
                System.out.printf("round %d (%s, %d statements so far): acct %s; ledger %s%n", round, fault,
                        workload.statements(), awaitEqual(pg, ch, currentSchema(pg, "acct"), "acct", SETTLE),
                        awaitEqual(pg, ch, currentSchema(pg, "ledger"), "ledger", SETTLE));
                workload.resume();
            }
        } finally {
            cluster.cancelJob(job).get(1, TimeUnit.MINUTES);
        }
    }

    /** The empty copy a resync's load fills, as the control plane creates it. */
    private static void createResyncCopy(PipeSpec spec, List<SourceTable> tables, String table, PipeRun run)
            throws Exception {
        ClickHouseConnections connections = new ClickHouseConnections(spec.destination());
        try (Client client = connections.open()) {
            TableSchema schema = tables.stream().filter(t -> t.spec().sourceId().equals(table)).findFirst()
                    .orElseThrow().schema();
            ClickHouseResync.createCopy(client, connections.layout(client), schema, dev.ferry.state.spec.DestinationTable.DEFAULT, run.generation());
        }
    }

    /** Stops a local server for {@code seconds}, then starts it again. */
    private static String outage(String server, int seconds) throws InterruptedException {
        LocalServers.runScript(Map.of(), "deploy/local/" + server + ".sh", "stop");
        Thread.sleep(seconds * 1000L);
        LocalServers.runScript(Map.of(), "deploy/local/" + server + ".sh", "start");
        return "stopped " + seconds + " s";
    }

    /** The schema changes a round may make on acct (the workload names only id, v and note). */
    private static final class Schema {
        private int added;
        private final java.util.ArrayDeque<String> columns = new java.util.ArrayDeque<>();
        private boolean wide;

        String next(Random random) {
            int pick = random.nextInt(4);
            if (pick == 0 && !columns.isEmpty()) {
                return "ALTER TABLE acct DROP COLUMN " + columns.removeFirst();
            }
            if (pick == 1) {
                // to bigint with new values once; then the same type again, with new values
                String sql = "ALTER TABLE acct ALTER COLUMN v TYPE bigint USING v " + (wide ? "- 1" : "* 3");
                wide = true;
                return sql;
            }
            String name = "c" + ++added;
            columns.addLast(name);
            return pick == 2 ? "ALTER TABLE acct ADD COLUMN " + name + " int DEFAULT " + added
                    : "ALTER TABLE acct ADD COLUMN " + name + " timestamptz DEFAULT clock_timestamp()";
        }
    }

    /**
     * One writer of inserts, updates (keys too) and deletes on acct, and of duplicate rows and their
     * updates and deletes on ledger, in small transactions. It rides out Postgres restarts by
     * reconnecting (a transaction cut by one is rolled back), and stops between transactions when
     * asked so the tables can be compared.
     */
    private static final class Workload implements AutoCloseable {
        private final PostgresTestDatabase pg;
        private final Random random;
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicBoolean quiet = new AtomicBoolean();
        private final ReentrantLock transaction = new ReentrantLock();
        private final AtomicLong statements = new AtomicLong();
        private final Thread thread;
        private long nextId;

        Workload(PostgresTestDatabase pg, long seed, long nextId) {
            this.pg = pg;
            this.random = new Random(seed);
            this.nextId = nextId;
            thread = new Thread(this::run, "fault-workload");
            thread.setDaemon(true);
            thread.start();
        }

        private void run() {
            while (!stop.get()) {
                try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                    c.setAutoCommit(false);
                    while (!stop.get()) {
                        if (quiet.get()) {
                            Thread.sleep(20);
                            continue;
                        }
                        transaction.lock();
                        try {
                            for (int n = 1 + random.nextInt(4); n > 0; n--) {
                                st.execute(statement());
                                statements.incrementAndGet();
                            }
                            c.commit();
                        } finally {
                            transaction.unlock();
                        }
                        Thread.sleep(5);
                    }
                } catch (SQLException e) {
                    pause(500); // Postgres restarting: connect again
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        private String statement() {
            long id = 1 + (long) (random.nextDouble() * (nextId - 1));
            String who = "'w" + random.nextInt(8) + "'";
            return switch (random.nextInt(10)) {
                case 0, 1, 2 -> "INSERT INTO acct (id, v, note) VALUES (" + nextId++ + ", " + random.nextInt(1000)
                        + ", md5(random()::text))";
                case 3, 4 -> "UPDATE acct SET v = v + 1, note = md5(random()::text) WHERE id BETWEEN " + id + " AND "
                        + (id + random.nextInt(20));
                case 5 -> "UPDATE acct SET id = " + nextId++ + " WHERE id = " + id;
                case 6 -> "DELETE FROM acct WHERE id = " + id;
                case 7 -> "INSERT INTO ledger SELECT " + who + ", " + random.nextInt(50) + " FROM generate_series(1, "
                        + (1 + random.nextInt(3)) + ")";
                case 8 -> "UPDATE ledger SET amount = amount + 1 WHERE ctid IN (SELECT ctid FROM ledger WHERE who = "
                        + who + " AND amount = " + random.nextInt(50) + " LIMIT 2)";
                default -> "DELETE FROM ledger WHERE ctid IN (SELECT ctid FROM ledger WHERE who = " + who
                        + " AND amount = " + random.nextInt(50) + " LIMIT 1)";
            };
        }

        /** Returns once no transaction is open, and starts none until {@link #resume}. */
        void quiet() {
            quiet.set(true);
            transaction.lock();
            transaction.unlock();
        }

        void resume() {
            quiet.set(false);
        }

        long statements() {
            return statements.get();
        }

        private static void pause(long millis) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.join(10_000);
        }
    }
}
