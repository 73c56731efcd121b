package dev.ferry.jobs.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.ferry.jobs.FerryCli;
import dev.ferry.jobs.FlinkTestCluster;
import dev.ferry.testing.ClickHouseTestDatabase;
import dev.ferry.testing.PostgresTestDatabase;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code ferry server} end to end, against the local Postgres, ClickHouse and Flink session cluster:
 * a pipe created, watched through its load, paused, resumed and resynced over the REST API with a
 * bearer token; WAL kept by its slot while paused, lag under a burst of writes, its TaskManager lost
 * and its slot dropped, each of which a webhook hears once as it starts and once as it clears (the dropped slot recorded as Failed
 * with its cause within seconds, and cleared by a resync); the actions recorded with the token's
 * name; metrics and the OpenAPI document served, and a real Prometheus scraping them fires the
 * shipped rule for the failed pipe and clears it.
 */
class FerryServerIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "it-token-0123456789abcdef";
    private static final Duration LONG = Duration.ofMinutes(3);

    private PostgresTestDatabase pg;
    private ClickHouseTestDatabase ch;
    private FerryServer server;
    private PrometheusProcess prometheus;
    private HttpServer webhook;
    private final List<JsonNode> heard = new CopyOnWriteArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();
    private String base;

    @BeforeAll
    static void cluster() {
        FlinkTestCluster.start();
    }

    @BeforeEach
    void start() throws Exception {
        pg = new PostgresTestDatabase("server");
        ch = new ClickHouseTestDatabase("server");
        webhook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        webhook.createContext("/hook", x -> {
            heard.add(JSON.readTree(x.getRequestBody()));
            x.sendResponseHeaders(204, -1);
            x.close();
        });
        webhook.start();
        WebhookNotifier hook = new WebhookNotifier(URI.create("http://127.0.0.1:" + webhook.getAddress().getPort()
                + "/hook"), WebhookNotifier.Format.GENERIC);
        // alerts that this test can bring about: lag over 0.3 s, a slot over 1 MB, any retrying, at once
        AlertSettings alerts = new AlertSettings(0.3, Duration.ZERO, 1 << 20, Duration.ZERO);
        server = TestServers.start(ch, ApiTokens.parse("alice=" + TOKEN), alerts, hook::send);
        base = "http://127.0.0.1:" + server.address().getPort();
        prometheus = PrometheusProcess.scraping(server.address().getPort(), TOKEN);
    }

    @AfterEach
    void stop() throws Exception {
        new FerryCli(ch).run("delete", "served");
        prometheus.close();
        server.close();
        webhook.stop(0);
        ch.close();
        pg.close();
    }

    @Test
    void pipeOperatedWatchedAndAlertedOverTheApi() throws Exception {
        pg.execute("CREATE TABLE items (id int PRIMARY KEY, v text)", "ALTER TABLE items REPLICA IDENTITY FULL",
                "INSERT INTO items SELECT g, 'v' || g FROM generate_series(1, 20000) g");
        String spec = "name: served\n" + pg.sourceYaml() + ch.destinationYaml() + "tables: [items]\n"
                + "settings: {sync_interval_seconds: 1}\n";
        String create = JSON.createObjectNode().put("spec", spec).put("flink_url", FlinkTestCluster.url()).toString();

        assertThat(call("POST", "/api/pipes", create, null).statusCode()).as("no token").isEqualTo(401);
        assertThat(call("POST", "/api/pipes", create, "Bearer wrong-token-0000000000").statusCode()).isEqualTo(401);
        HttpResponse<String> created = call("POST", "/api/pipes", create, "Bearer " + TOKEN);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(created.body()).doesNotContain("password", pg.sourceYaml());

        JsonNode running = await(s -> s.path("state").asText().equals("Running"));
        assertThat(running.path("tables").get(0).path("rows_snapshotted").asLong()).isEqualTo(20_000);
        assertThat(json(call("GET", "/api/pipes", null, "Bearer " + TOKEN)).get(0).path("name").asText())
                .isEqualTo("served");

        assertThat(post("/api/pipes/served/pause", null).path("name").asText()).isEqualTo("served");
        await(s -> s.path("state").asText().equals("Paused"));
        HttpResponse<String> again = call("POST", "/api/pipes/served/pause", null, "Bearer " + TOKEN);
        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(json(again).path("error").asText()).contains("Paused");
        // paused: the slot keeps the WAL of the writes meanwhile, over the threshold
        pg.execute("UPDATE items SET v = v || ' while paused'");
        awaitHeard("slot_wal", "started");
        post("/api/pipes/served/resume", null);
        await(s -> s.path("state").asText().equals("Running"));
        // resumed: the slot moves on once its position is confirmed and Postgres logs the running transactions
        long deadline = System.currentTimeMillis() + LONG.toMillis();
        while (!heardAlert("slot_wal", "cleared")) {
            assertThat(System.currentTimeMillis()).as("slot_wal cleared; heard " + heard).isLessThan(deadline);
            pg.execute("INSERT INTO items VALUES (" + (100_000 + heard.size() + System.nanoTime() % 100_000) + ", 'tick')"
                    + " ON CONFLICT DO NOTHING", "CHECKPOINT");
            Thread.sleep(1_000);
        }

        // writes faster than the pipe confirms them (every second): lag, until they stop
        long tick = 200_000;
        deadline = System.currentTimeMillis() + LONG.toMillis();
        while (!heardAlert("lag", "started")) {
            assertThat(System.currentTimeMillis()).as("lag started; heard " + heard).isLessThan(deadline);
            pg.execute("INSERT INTO items VALUES (" + tick++ + ", 'busy')");
            Thread.sleep(50);
        }
        awaitHeard("lag", "cleared");

        // the TaskManager lost: Flink restarts the job, which the watcher reports until it runs again
        FlinkTestCluster.killTaskManager();
        awaitHeard("retrying", "started");
        FlinkTestCluster.startTaskManager();
        // Flink's restart backoff grew while no slot was to be had: the next attempt may take a while
        awaitHeard("retrying", "cleared", LONG);
        await(s -> s.path("state").asText().equals("Running") && s.path("job_state").asText().equals("RUNNING"));

        // the slot dropped under the running pipe: the watcher finds it Failed, nobody asked
        pg.execute("UPDATE items SET v = 'x' WHERE id < 10");
        pg.dropActiveSlot("ferry_served");
        JsonNode failed = await(s -> s.path("state").asText().equals("Failed"));
        assertThat(failed.path("last_error").asText()).contains("replication slot ferry_served");
        awaitHeard("failed", "started");
        assertThat(call("GET", "/metrics", null, "Bearer " + TOKEN).body())
                .contains("ferry_pipe_state{pipe=\"served\"} 9");
        // Prometheus, scraping the server with its token, fires the shipped rule for it
        awaitPrometheus(alerts -> alerts.contains("FerryPipeFailed served firing"));

        post("/api/pipes/served/resync", "{}");
        await(s -> s.path("state").asText().equals("Running"));
        awaitHeard("failed", "cleared");
        awaitPrometheus(alerts -> !alerts.toString().contains("FerryPipeFailed"));
        for (String alert : List.of("failed", "slot_wal", "retrying", "lag")) {
            // each episode heard once as it started and once as it cleared (no reminder within 15 minutes);
            // lag may come and go more than once while the pipe is busy, and be back at the end
            String said = String.join(" ", heard.stream().filter(n -> n.path("alert").asText().equals(alert))
                    .map(n -> n.path("status").asText()).toList());
            assertThat(said).as(alert).matches(alert.equals("lag") ? "started cleared( started cleared)*( started)?"
                    : "started cleared");
        }

        JsonNode actions = json(call("GET", "/api/pipes/served/actions", null, "Bearer " + TOKEN));
        assertThat(actions.findValuesAsText("who")).containsOnly("alice");
        assertThat(actions.findValuesAsText("action")).startsWith("create on " + FlinkTestCluster.url(), "pause", "pause",
                "resume", "resync");
        assertThat(actions.get(2).path("outcome").asText()).contains("Paused");

        // what another site's page could send: a form or text without asking, or JSON saying where it is from
        HttpRequest text = HttpRequest.newBuilder(URI.create(base + "/api/pipes/served/pause"))
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build();
        assertThat(http.send(text, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(403);
        HttpRequest elsewhere = HttpRequest.newBuilder(URI.create(base + "/api/pipes/served/pause"))
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                .header("Origin", "http://elsewhere.example").POST(HttpRequest.BodyPublishers.ofString("{}")).build();
        assertThat(http.send(elsewhere, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(403);

        JsonNode openapi = json(call("GET", "/api/openapi.json", null, "Bearer " + TOKEN));
        assertThat(openapi.path("paths").has("/api/pipes/{name}/resync")).isTrue();
        assertThat(call("GET", "/api/pipes/nope", null, "Bearer " + TOKEN).statusCode()).isEqualTo(404);
        assertThat(call("DELETE", "/api/pipes/served?drop_tables=true", null, "Bearer " + TOKEN).statusCode())
                .isEqualTo(200);
        assertThat(json(call("GET", "/api/pipes", null, "Bearer " + TOKEN))).isEmpty();
    }

    // --- helpers

    private void awaitPrometheus(Predicate<List<String>> until) throws Exception {
        long deadline = System.currentTimeMillis() + Duration.ofMinutes(1).toMillis();
        List<String> alerts = prometheus.alerts();
        while (!until.test(alerts)) {
            assertThat(System.currentTimeMillis()).as("Prometheus' alerts " + alerts + "; scrape " + prometheus.scrape())
                    .isLessThan(deadline);
            Thread.sleep(500);
            alerts = prometheus.alerts();
        }
    }

    private HttpResponse<String> call(String method, String path, String body, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofMinutes(2))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode post(String path, String body) throws Exception {
        HttpResponse<String> r = call("POST", path, body, "Bearer " + TOKEN);
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }

    /** The pipe's status once {@code until} holds; fails after a few minutes with the last one. */
    private JsonNode await(Predicate<JsonNode> until) throws Exception {
        long deadline = System.currentTimeMillis() + LONG.toMillis();
        JsonNode last = null;
        while (System.currentTimeMillis() < deadline) {
            HttpResponse<String> r = call("GET", "/api/pipes/served", null, "Bearer " + TOKEN);
            last = JSON.readTree(r.body());
            if (r.statusCode() == 200 && until.test(last)) {
                return last;
            }
            Thread.sleep(300);
        }
        throw new AssertionError("pipe served did not get there; last status " + last);
    }

    private boolean heardAlert(String alert, String status) {
        return heard.stream().anyMatch(n -> n.path("alert").asText().equals(alert) && n.path("status").asText().equals(status));
    }

    private void awaitHeard(String alert, String status) throws InterruptedException {
        awaitHeard(alert, status, Duration.ofMinutes(1));
    }

    private void awaitHeard(String alert, String status, Duration timeout) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        while (!heardAlert(alert, status)) {
            assertThat(System.currentTimeMillis()).as(alert + " " + status + "; webhook notices so far: " + heard)
                    .isLessThan(deadline);
            Thread.sleep(200);
        }
    }
}
