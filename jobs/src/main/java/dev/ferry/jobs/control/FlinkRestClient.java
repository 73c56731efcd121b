package dev.ferry.jobs.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.operators.PipeSetupException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The parts of Flink's REST API the control plane uses (the same API serves a local session cluster,
 * YARN, Kubernetes): jar upload and run, job status and failure cause, stop-with-savepoint, cancel.
 */
public final class FlinkRestClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration SAVEPOINT_TIMEOUT = Duration.ofMinutes(10);

    private final String url;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1) // Flink's REST server speaks HTTP/1.1 only; skip the h2c upgrade
            .connectTimeout(Duration.ofSeconds(10)).build();

    public FlinkRestClient(String url) {
        this.url = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    public String url() {
        return url;
    }

    /** The web UI page of a job. */
    public String jobPage(String jobId) {
        return url + "/#/job/running/" + jobId + "/overview";
    }

    /** Checks Flink answers; a one-line error otherwise. */
    public void checkReachable() {
        try {
            get("/overview");
        } catch (IOException e) {
            throw new PipeSetupException("cannot reach Flink at " + url + ": " + PipeSetupException.firstLine(e), e);
        }
    }

    /** The id of an uploaded jar with this file name, if there is one. */
    public Optional<String> findJar(String name) throws IOException {
        for (JsonNode f : get("/jars").path("files")) {
            if (name.equals(f.path("name").asText())) {
                return Optional.of(f.path("id").asText());
            }
        }
        return Optional.empty();
    }

    /** Uploads a jar under {@code name}; returns its id. */
    public String uploadJar(Path jar, String name) throws IOException {
        String boundary = "ferry-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\"" + name
                + "\"\r\nContent-Type: application/x-java-archive\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.write(Files.readAllBytes(jar));
        body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        JsonNode r = send(HttpRequest.newBuilder(URI.create(url + "/jars/upload"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())));
        String file = r.path("filename").asText();
        return file.substring(file.lastIndexOf('/') + 1);
    }

    /** Runs an uploaded jar's entry class; from a savepoint when {@code savepoint} is set. Returns the job id. */
    public String runJar(String jarId, String entryClass, List<String> args, String savepoint) throws IOException {
        ObjectNode request = JSON.createObjectNode();
        request.put("entryClass", entryClass);
        request.set("programArgsList", JSON.valueToTree(args));
        if (savepoint != null) {
            request.put("savepointPath", savepoint);
            // A new initial-load generation replaces the previous one's operators.
            request.put("allowNonRestoredState", true);
        }
        return post("/jars/" + jarId + "/run", request).path("jobid").asText();
    }

    /** The job's state (RUNNING, FAILED, ...), or empty when Flink does not know the job. */
    public Optional<String> jobState(String jobId) throws IOException {
        return job(jobId).map(j -> j.path("state").asText());
    }

    /** The job's details (state, vertices), or empty when Flink does not know the job. */
    private Optional<JsonNode> job(String jobId) throws IOException {
        HttpResponse<String> r = call(HttpRequest.newBuilder(URI.create(url + "/jobs/" + jobId)).GET());
        return r.statusCode() == 404 ? Optional.empty() : Optional.of(check(r));
    }

    /**
     * How a job is doing beyond its state: its tasks, those running or done (a job is RUNNING while
     * tasks still wait for a slot; a finished initial load's tasks are done), and its latest failure,
     * if any.
     */
    public record JobHealth(int tasks, int running, Instant lastFailureAt, String lastFailure) {
        public boolean allRunning() {
            return running == tasks;
        }
    }

    public Optional<JobHealth> health(String jobId) throws IOException {
        Optional<JsonNode> job = job(jobId);
        if (job.isEmpty()) {
            return Optional.empty();
        }
        int tasks = 0;
        int running = 0;
        for (JsonNode vertex : job.get().path("vertices")) {
            tasks += vertex.path("parallelism").asInt();
            running += vertex.path("tasks").path("RUNNING").asInt() + vertex.path("tasks").path("FINISHED").asInt();
        }
        JsonNode exceptions = get("/jobs/" + jobId + "/exceptions");
        String root = exceptions.path("root-exception").asText("");
        long at = exceptions.path("timestamp").asLong(0);
        return Optional.of(new JobHealth(tasks, running, at == 0 ? null : Instant.ofEpochMilli(at),
                root.isEmpty() ? "" : rootMessage(root)));
    }

    /** The first line of the job's root failure, without the exception's class name. */
    public String failureCause(String jobId) throws IOException {
        return rootMessage(get("/jobs/" + jobId + "/exceptions").path("root-exception").asText(""));
    }

    /** The message of the deepest cause in a Java stack trace, without its exception's class name. */
    public static String rootMessage(String trace) {
        String deepest = trace;
        for (String line : trace.split("\n")) {
            if (line.startsWith("Caused by: ")) {
                deepest = line.substring("Caused by: ".length());
            }
        }
        String first = deepest.lines().findFirst().orElse("").strip();
        int colon = first.indexOf(": ");
        String message = colon > 0 && first.substring(0, colon).matches("[\\w.$]+") ? first.substring(colon + 2) : first;
        return message.isEmpty() ? "unknown failure" : message;
    }

    /** Stops the job with a savepoint (no drain: the pipe picks up where it stopped); returns its location. */
    public String stopWithSavepoint(String jobId) throws IOException, InterruptedException {
        ObjectNode request = JSON.createObjectNode();
        request.put("drain", false);
        String trigger = post("/jobs/" + jobId + "/stop", request).path("request-id").asText();
        long deadline = System.currentTimeMillis() + SAVEPOINT_TIMEOUT.toMillis();
        while (System.currentTimeMillis() < deadline) {
            JsonNode s = get("/jobs/" + jobId + "/savepoints/" + trigger);
            if ("COMPLETED".equals(s.path("status").path("id").asText())) {
                JsonNode op = s.path("operation");
                if (op.has("failure-cause")) {
                    throw new IOException("savepoint failed: " + op.path("failure-cause").path("stack-trace").asText("")
                            .lines().findFirst().orElse("unknown"));
                }
                return op.path("location").asText();
            }
            Thread.sleep(250);
        }
        throw new IOException("the savepoint did not finish within " + SAVEPOINT_TIMEOUT.toMinutes() + " minutes");
    }

    public void cancel(String jobId) throws IOException {
        check(call(HttpRequest.newBuilder(URI.create(url + "/jobs/" + jobId + "?mode=cancel"))
                .method("PATCH", HttpRequest.BodyPublishers.noBody())));
    }

    /**
     * Waits until every task of the job runs (or has finished), or the job ends; returns the job's
     * state then (empty when Flink no longer knows it).
     */
    public Optional<String> awaitRunning(String jobId, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        while (true) {
            Optional<JsonNode> job = job(jobId);
            if (job.isEmpty()) {
                return Optional.empty();
            }
            String state = job.get().path("state").asText();
            boolean allUp = true;
            for (JsonNode vertex : job.get().path("vertices")) {
                String v = vertex.path("status").asText();
                allUp &= v.equals("RUNNING") || v.equals("FINISHED");
            }
            if (!state.equals("RUNNING") && !state.equals("RESTARTING") && !state.equals("CREATED")
                    || state.equals("RUNNING") && allUp || System.currentTimeMillis() > deadline) {
                return Optional.of(state);
            }
            Thread.sleep(500);
        }
    }

    /** Waits until the job reaches a terminal state. */
    public String awaitTerminal(String jobId, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        while (true) {
            String state = jobState(jobId).orElse("UNKNOWN");
            if (List.of("FINISHED", "FAILED", "CANCELED", "UNKNOWN").contains(state)
                    || System.currentTimeMillis() > deadline) {
                return state;
            }
            Thread.sleep(250);
        }
    }

    private JsonNode get(String path) throws IOException {
        return check(call(HttpRequest.newBuilder(URI.create(url + path)).GET()));
    }

    private JsonNode post(String path, JsonNode body) throws IOException {
        return send(HttpRequest.newBuilder(URI.create(url + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())));
    }

    private JsonNode send(HttpRequest.Builder request) throws IOException {
        return check(call(request));
    }

    private HttpResponse<String> call(HttpRequest.Builder request) throws IOException {
        try {
            return http.send(request.timeout(Duration.ofMinutes(2)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static JsonNode check(HttpResponse<String> r) throws IOException {
        JsonNode body = r.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(r.body());
        if (r.statusCode() >= 300) {
            // Errors are stack traces; the deepest cause is what went wrong (e.g. the pipe's setup).
            JsonNode errors = body.path("errors");
            String detail = errors.isArray() && !errors.isEmpty() ? rootMessage(errors.get(0).asText()) : r.body();
            throw new IOException("Flink answered " + r.statusCode() + " to " + r.request().uri().getPath() + ": " + detail);
        }
        return body;
    }
}
