package dev.ferry.jobs.server;

import static dev.ferry.jobs.postgres.PipeTestKit.awaitEqual;
import static dev.ferry.jobs.postgres.PipeTestKit.currentSchema;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.jobs.local.LocalPipeState;
import dev.ferry.jobs.postgres.PipeTestKit;
import dev.ferry.testing.ClickHouseTestDatabase;
import dev.ferry.testing.LocalServers;
import dev.ferry.testing.PostgresTestDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code ferry server} on its own Flink, as {@code deploy/local/server.sh} starts it (a process of its
 * own): a CDC pipe created over the API without naming a cluster runs on the server's Flink; the
 * server killed with -9 and later stopped cleanly, with random inserts, updates and deletes written
 * while it is down each time; on every start the pipe goes on from its job's last checkpoint, never
 * Failed, and the destination equals the source row by row; the charts' samples outlive the process.
 */
class ServerRestartIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PORT = 18290;
    private static final int FLINK_PORT = 18291;
    private static final Duration LONG = Duration.ofMinutes(3);

    private final HttpClient http = HttpClient.newHttpClient();
    private final String base = "http://127.0.0.1:" + PORT;
    private final Path home = LocalServers.localHome().resolve("test-server");
    private PostgresTestDatabase pg;
    private ClickHouseTestDatabase ch;
    private Map<String, String> env;

    @BeforeEach
    void start() {
        LocalServers.ensureStarted();
        pg = new PostgresTestDatabase("restart");
        ch = new ClickHouseTestDatabase("restart");
        env = Map.of("FERRY_LOCAL_HOME", home.toString(), "FERRY_SERVER_PORT", String.valueOf(PORT));
    }

    @AfterEach
    void stop() throws Exception {
        try {
            call("DELETE", "/api/pipes/restarted", null);
        } finally {
            LocalServers.runScript(env, "deploy/local/server.sh", "stop");
            ch.close();
            pg.close();
        }
    }

    @Test
    void pipesGoOnFromTheirCheckpointsWhenTheServerStartsAgain() throws Exception {
        Random random = PipeTestKit.seeded("ServerRestartIT", "ferry.test.seed");
        List<Integer> ids = new ArrayList<>();
        pg.execute("CREATE TABLE items (id int PRIMARY KEY, v text, n bigint)",
                "INSERT INTO items SELECT g, 'v' || g, g * 7 FROM generate_series(1, 5000) g");
        for (int i = 1; i <= 5000; i++) {
            ids.add(i);
        }
        startServer();
        String spec = "name: restarted\n" + pg.sourceYaml() + ch.destinationYaml() + "tables: [items]\n"
                + "settings: {sync_interval_seconds: 1}\n";
        HttpResponse<String> created = call("POST", "/api/pipes", JSON.createObjectNode().put("spec", spec).toString());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(JSON.readTree(created.body()).path("flink_url").asText()).isEqualTo("http://127.0.0.1:" + FLINK_PORT);
        awaitRunning();
        change(random, ids, 300);
        awaitEqual(pg, ch, currentSchema(pg, "items"), "items", LONG);
        awaitCheckpointAfterTheChanges();

        Instant killed = Instant.now();
        String pid = Files.readString(home.resolve("run/server.pid")).trim();
        ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
        while (ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false)) {
            Thread.sleep(100);
        }
        change(random, ids, 500);
        assertThat(startServer()).as("killed: the server's start output").contains("pipe restarted goes on from");
        awaitRunning();
        awaitEqual(pg, ch, currentSchema(pg, "items"), "items", LONG);
        // the charts go on from what the killed server recorded
        JsonNode series = JSON.readTree(call("GET", "/api/pipes/restarted/series", null).body());
        assertThat(series.size()).isPositive();
        assertThat(Instant.parse(series.get(0).path("at").asText())).as(series.toString()).isBefore(killed);
        assertThat(series.get(series.size() - 1).path("rows").asLong()).isGreaterThanOrEqualTo(5_000);

        change(random, ids, 300);
        awaitCheckpointAfterTheChanges();
        LocalServers.runScript(env, "deploy/local/server.sh", "stop");
        change(random, ids, 500);
        assertThat(startServer()).as("stopped: the server's start output").contains("pipe restarted goes on from");
        awaitRunning();
        awaitEqual(pg, ch, currentSchema(pg, "items"), "items", LONG);

        JsonNode status = JSON.readTree(call("GET", "/api/pipes/restarted", null).body());
        for (JsonNode move : status.path("history")) {
            assertThat(move.path("state").asText()).as(status.toString()).isNotEqualTo("Failed");
        }
        JsonNode actions = JSON.readTree(call("GET", "/api/pipes/restarted/actions", null).body());
        assertThat(actions.toString()).contains("ferry server", "recover from");
    }

    private String startServer() {
        return LocalServers.runScript(env, "deploy/local/server.sh", "start", "--catalog", LocalServers.clickhouseUrl(),
                "--catalog-database", ch.statusDatabase(), "--embedded-flink-port", String.valueOf(FLINK_PORT),
                "--watch-seconds", "1");
    }

    /** Random inserts, updates and deletes, in a few transactions. */
    private void change(Random random, List<Integer> ids, int count) {
        List<String> sql = new ArrayList<>();
        int next = ids.stream().mapToInt(Integer::intValue).max().orElse(0) + 1;
        for (int i = 0; i < count; i++) {
            int pick = random.nextInt(10);
            if (pick < 4 || ids.isEmpty()) {
                sql.add("INSERT INTO items VALUES (" + next + ", 'new " + random.nextInt() + "', " + random.nextLong() + ")");
                ids.add(next++);
            } else if (pick < 8) {
                sql.add("UPDATE items SET v = 'changed " + random.nextInt() + "', n = " + random.nextLong()
                        + " WHERE id = " + ids.get(random.nextInt(ids.size())));
            } else {
                sql.add("DELETE FROM items WHERE id = " + ids.remove(random.nextInt(ids.size())));
            }
        }
        for (int from = 0; from < sql.size(); from += 100) {
            List<String> tx = new ArrayList<>(List.of("BEGIN"));
            tx.addAll(sql.subList(from, Math.min(sql.size(), from + 100)));
            tx.add("COMMIT");
            pg.execute(tx.toArray(String[]::new));
        }
    }

    /** Waits for a checkpoint of the pipe's job completed from now on, so the stop comes after the changes' checkpoint. */
    private void awaitCheckpointAfterTheChanges() throws Exception {
        String job = JSON.readTree(call("GET", "/api/pipes/restarted", null).body()).path("job_id").asText();
        Path checkpoints = home.resolve("server/checkpoints").resolve(job);
        long from = System.currentTimeMillis();
        long deadline = from + LONG.toMillis();
        while (LocalPipeState.newestComplete(checkpoints).filter(c -> modified(c) > from).isEmpty()) {
            assertThat(System.currentTimeMillis()).as("a checkpoint under " + checkpoints).isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    private static long modified(Path checkpoint) {
        try {
            return Files.getLastModifiedTime(checkpoint.resolve("_metadata")).toMillis();
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    private void awaitRunning() throws Exception {
        long deadline = System.currentTimeMillis() + LONG.toMillis();
        JsonNode s;
        do {
            Thread.sleep(500);
            HttpResponse<String> r = call("GET", "/api/pipes/restarted", null);
            s = r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
            assertThat(System.currentTimeMillis()).as("Running; last " + s).isLessThan(deadline);
        } while (s == null || !s.path("state").asText().equals("Running") || !s.path("job_state").asText().equals("RUNNING"));
    }

    private HttpResponse<String> call(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofMinutes(2))
                .header("Content-Type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
