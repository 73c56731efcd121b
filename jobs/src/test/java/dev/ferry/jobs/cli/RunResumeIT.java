package dev.ferry.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.jobs.FerryCli;
import dev.ferry.operators.postgres.setup.PostgresCatalog;
import dev.ferry.state.lifecycle.PipeState;
import dev.ferry.state.schema.TableSchema;
import dev.ferry.state.spec.TableSpec;
import dev.ferry.testing.ClickHouseTestDatabase;
import dev.ferry.testing.PostgresTestDatabase;
import dev.ferry.testing.TableComparison;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry run} as a process, stopped the two ways a user stops it: SIGTERM (as Ctrl-C) pauses
 * it with a savepoint, kill -9 leaves its last checkpoint. Each next run of the same spec resumes
 * without reading the table again, and the copy ends equal.
 */
class RunResumeIT {
    private static final Duration MINUTES = Duration.ofMinutes(3);

    @Test
    void resumesAfterCtrlCAndAfterKill(@TempDir Path dir) throws Exception {
        try (PostgresTestDatabase pg = new PostgresTestDatabase("run");
                ClickHouseTestDatabase ch = new ClickHouseTestDatabase("run")) {
            pg.execute("CREATE TABLE t (id int PRIMARY KEY, v text)",
                    "INSERT INTO t SELECT g, 'v' FROM generate_series(1, 50000) g");
            Path spec = dir.resolve("pipe.yaml");
            Files.writeString(spec, "name: run_resume\n" + pg.sourceYaml() + ch.destinationYaml() + "tables: [t]\n"
                    + "settings: {sync_interval_seconds: 1}\n");
            FerryCli cli = new FerryCli(ch);
            List<Process> started = new ArrayList<>();
            try {
                Process first = ferryRun(spec, dir, "first", started);
                awaitRunning(cli, dir.resolve("first.log"));
                pg.execute("UPDATE t SET v = 'first run' WHERE id <= 100");
                awaitEqual(pg, ch);
                first.destroy(); // SIGTERM, as Ctrl-C
                assertThat(first.waitFor(2, TimeUnit.MINUTES)).isTrue();
                assertThat(first.exitValue()).as(Files.readString(dir.resolve("first.log"))).isZero();
                assertThat(cli.lastState("run_resume")).isEqualTo(PipeState.PAUSED);

                pg.execute("UPDATE t SET v = 'while paused' WHERE id BETWEEN 101 AND 200", "DELETE FROM t WHERE id > 49000");
                Process second = ferryRun(spec, dir, "second", started);
                awaitRunning(cli, dir.resolve("second.log"));
                pg.execute("INSERT INTO t VALUES (60000, 'second run')");
                awaitEqual(pg, ch);
                second.destroyForcibly(); // kill -9
                second.waitFor(1, TimeUnit.MINUTES);

                pg.execute("UPDATE t SET v = 'after the kill' WHERE id BETWEEN 201 AND 300");
                ferryRun(spec, dir, "third", started);
                awaitEqual(pg, ch);
                assertThat(Files.readString(dir.resolve("third.log"))).contains("resumed from");
                assertThat(ch.count("SELECT count() FROM `" + ch.statusDatabase() + "`.pipe_states"
                        + " WHERE pipe = 'run_resume' AND state = 'Snapshot'")).as("the table is read once").isEqualTo(1);
            } finally {
                for (Process p : started) {
                    p.destroyForcibly();
                    p.waitFor(1, TimeUnit.MINUTES);
                }
            }
        }
    }

    /** Waits for Running; the status tables appear only once the process has set the pipe up. */
    private static void awaitRunning(FerryCli cli, Path log) throws Exception {
        long deadline = System.currentTimeMillis() + MINUTES.toMillis();
        while (System.currentTimeMillis() < deadline) {
            try {
                if (cli.lastState("run_resume") == PipeState.RUNNING) {
                    return;
                }
            } catch (RuntimeException notYet) {
                // no status table or no state yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError("pipe run_resume not Running; ferry run printed:\n" + Files.readString(log));
    }

    /** {@code ferry run} in a JVM of its own, on this test's classpath. */
    private static Process ferryRun(Path spec, Path dir, String name, List<Process> started) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String p : List.of("java.base/java.util", "java.base/java.lang", "java.base/java.lang.reflect",
                "java.base/java.io", "java.base/java.net", "java.base/java.nio", "java.base/sun.nio.ch",
                "java.base/java.text", "java.base/java.time", "java.base/java.math", "java.base/java.util.concurrent",
                "java.base/java.util.concurrent.atomic", "java.sql/java.sql")) {
            command.add("--add-opens=" + p + "=ALL-UNNAMED");
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Ferry.class.getName(), "run",
                spec.toString(), "--state-dir", dir.resolve("state").toString(), "--web-ui-port",
                String.valueOf(freePort())));
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile()).start();
        started.add(p);
        return p;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void awaitEqual(PostgresTestDatabase pg, ClickHouseTestDatabase ch) throws Exception {
        long deadline = System.currentTimeMillis() + MINUTES.toMillis();
        TableComparison.Result r;
        do {
            Thread.sleep(500);
            try (Connection c = pg.connect()) {
                TableSchema schema = PostgresCatalog.read(c, new TableSpec("public", "t", "t"), true).schema();
                r = TableComparison.compare(c, "t", ch, schema);
            }
        } while (!r.equal() && System.currentTimeMillis() < deadline);
        assertThat(r.differences()).as(r.toString()).isEmpty();
    }
}
