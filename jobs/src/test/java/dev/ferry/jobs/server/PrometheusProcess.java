package dev.ferry.jobs.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.testing.LocalServers;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A real Prometheus (Debian's, installed by {@code deploy/local/test-tools.sh}) with Ferry's shipped
 * alerting rules, scraping one {@code ferry server}'s {@code /metrics} every second with its token.
 */
final class PrometheusProcess implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Path dir;
    private final String url;
    private final HttpClient http = HttpClient.newHttpClient();

    private PrometheusProcess(Process process, Path dir, String url) {
        this.process = process;
        this.dir = dir;
        this.url = url;
    }

    /** The prometheus and promtool binaries, installed if missing. */
    static List<String> binaries() {
        return LocalServers.runScript(Map.of(), "deploy/local/test-tools.sh", "install", "prometheus").strip().lines().toList();
    }

    static Path rules() {
        return LocalServers.projectRoot().resolve("deploy/prometheus/ferry-alerts.yaml");
    }

    static PrometheusProcess scraping(int serverPort, String token) throws Exception {
        String binary = binaries().get(0);
        Path dir = Files.createTempDirectory("ferry-prometheus");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Files.writeString(dir.resolve("prometheus.yml"), """
                global: {scrape_interval: 1s, evaluation_interval: 1s}
                rule_files: ['%s']
                scrape_configs:
                  - job_name: ferry
                    authorization: {credentials: '%s'}
                    static_configs: [{targets: ['127.0.0.1:%d']}]
                """.formatted(rules(), token, serverPort));
        Process p = new ProcessBuilder(binary, "--config.file=" + dir.resolve("prometheus.yml"),
                "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
        PrometheusProcess prometheus = new PrometheusProcess(p, dir, "http://127.0.0.1:" + port);
        long deadline = System.currentTimeMillis() + 60_000;
        while (!prometheus.ready()) {
            if (!p.isAlive() || System.currentTimeMillis() > deadline) {
                String log = Files.readString(dir.resolve("prometheus.log"));
                prometheus.close();
                throw new IllegalStateException("Prometheus did not start:\n" + log);
            }
            Thread.sleep(200);
        }
        return prometheus;
    }

    private boolean ready() {
        try {
            return get("/-/ready").statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The alerts Prometheus has now: name, pipe label and state (pending or firing), one line each. */
    List<String> alerts() throws Exception {
        List<String> out = new java.util.ArrayList<>();
        for (JsonNode a : JSON.readTree(get("/api/v1/alerts").body()).path("data").path("alerts")) {
            out.add(a.path("labels").path("alertname").asText() + " " + a.path("labels").path("pipe").asText() + " "
                    + a.path("state").asText());
        }
        return out;
    }

    /** The health of the scrape of the server ("up", "down" or "unknown") and its last error. */
    String scrape() throws Exception {
        JsonNode targets = JSON.readTree(get("/api/v1/targets").body()).path("data").path("activeTargets");
        return targets.isEmpty() ? "none" : targets.get(0).path("health").asText() + " "
                + targets.get(0).path("lastError").asText();
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() throws IOException {
        process.destroyForcibly();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
