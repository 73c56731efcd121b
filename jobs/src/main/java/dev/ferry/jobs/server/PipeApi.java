package dev.ferry.jobs.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.ferry.jobs.control.PipeControl;
import dev.ferry.jobs.control.PipeStateConflict;
import dev.ferry.jobs.control.PipeStatus;
import dev.ferry.operators.PipeSetupException;
import dev.ferry.state.lifecycle.IllegalTransitionException;
import dev.ferry.state.lifecycle.PipeEntry;
import dev.ferry.state.spec.PipeSpecDocument;
import dev.ferry.state.spec.PipeSpecException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST API over the control plane: every pipe operation the CLI has, JSON in and out (see
 * {@code openapi.json}). Operations on one pipe run one at a time; each is recorded in the catalog
 * with who asked and how it ended.
 */
final class PipeApi {
    private static final Logger LOG = LoggerFactory.getLogger(PipeApi.class);

    /** An answer: HTTP status and JSON body. */
    record Reply(int status, JsonNode body) {
        static Reply ok(JsonNode body) {
            return new Reply(200, body);
        }
    }

    /** A failed request: status and the one-line reason. */
    static final class ApiError extends RuntimeException {
        final int status;

        ApiError(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    @FunctionalInterface
    private interface Action {
        PipeEntry run() throws Exception;
    }

    private final PipeControl control;
    private final PipeWatcher watcher;
    private final String defaultFlink;
    private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();

    PipeApi(PipeControl control, PipeWatcher watcher, String defaultFlink) {
        this.control = control;
        this.watcher = watcher;
        this.defaultFlink = defaultFlink;
    }

    /** Serves {@code method path} (below {@code /api}) for {@code who}. */
    Reply handle(String method, List<String> path, Map<String, String> query, JsonNode body, String who) {
        try {
            return route(method, path, query, body, who);
        } catch (ApiError e) {
            return new Reply(e.status, PipeJson.error(e.getMessage()));
        } catch (IllegalTransitionException | PipeStateConflict e) {
            return new Reply(409, PipeJson.error(e.getMessage()));
        } catch (PipeSpecException | PipeSetupException e) {
            return new Reply(e.getMessage() != null && e.getMessage().startsWith("no pipe named") ? 404 : 400,
                    PipeJson.error(PipeSetupException.firstLine(e)));
        } catch (Exception e) {
            LOG.warn("{} /api/{} failed", method, String.join("/", path), e);
            return new Reply(500, PipeJson.error(PipeSetupException.firstLine(e)));
        }
    }

    private Reply route(String method, List<String> path, Map<String, String> query, JsonNode body, String who)
            throws Exception {
        if (path.isEmpty() || !path.get(0).equals("pipes")) {
            throw new ApiError(404, "no such resource: see /api/openapi.json");
        }
        if (path.size() == 1) {
            return switch (method) {
                case "GET" -> Reply.ok(list());
                case "POST" -> {
                    String spec = text(body, "spec");
                    String flink = body != null && body.hasNonNull("flink_url") && !body.get("flink_url").asText().isBlank()
                            ? text(body, "flink_url") : defaultFlink;
                    PipeSpecDocument doc = new PipeSpecDocument(spec);
                    String name = doc.parse(control.env()).name();
                    yield new Reply(201, PipeJson.entry(act(name, "create on " + flink, who,
                            () -> control.create(doc, flink))));
                }
                default -> throw notAllowed(method);
            };
        }
        String name = path.get(1);
        if (path.size() == 2) {
            return switch (method) {
                case "GET" -> Reply.ok(status(name));
                case "PATCH" -> {
                    Map<String, String> settings = strings(body, "settings");
                    yield Reply.ok(PipeJson.entry(act(name, "edit " + settings, who, () -> control.edit(name, settings))));
                }
                case "DELETE" -> {
                    boolean drop = Boolean.parseBoolean(query.getOrDefault("drop_tables", "false"));
                    act(name, "delete" + (drop ? " with its tables" : ""), who, () -> {
                        control.delete(name, drop);
                        return null;
                    });
                    yield Reply.ok(PipeJson.MAPPER.createObjectNode().put("deleted", name));
                }
                default -> throw notAllowed(method);
            };
        }
        String what = path.get(2);
        if (path.size() == 3 && method.equals("POST")) {
            return switch (what) {
                case "pause" -> Reply.ok(PipeJson.entry(act(name, "pause", who, () -> control.pause(name))));
                case "resume" -> Reply.ok(PipeJson.entry(act(name, "resume", who, () -> control.resume(name))));
                case "resync" -> {
                    Optional<String> table = body != null && body.hasNonNull("table")
                            ? Optional.of(body.get("table").asText()) : Optional.empty();
                    yield Reply.ok(PipeJson.entry(act(name, "resync" + table.map(t -> " " + t).orElse(""), who,
                            () -> control.resync(name, table))));
                }
                case "tables" -> {
                    List<String> tables = list(body, "tables");
                    yield Reply.ok(PipeJson.entry(act(name, "add tables " + tables, who,
                            () -> control.addTables(name, tables))));
                }
                default -> throw new ApiError(404, "no action " + what + " (pause, resume, resync, tables)");
            };
        }
        if (path.size() == 3 && method.equals("GET")) {
            control.entry(name);
            return switch (what) {
                case "actions" -> Reply.ok(PipeJson.actions(control.catalog().actions(name)));
                case "series" -> Reply.ok(PipeJson.series(watcher.series(name)));
                default -> throw new ApiError(404, "no " + what + " of a pipe (actions, series)");
            };
        }
        if (path.size() == 4 && what.equals("tables")) {
            String table = path.get(3);
            return switch (method) {
                case "DELETE" -> Reply.ok(PipeJson.entry(act(name, "remove tables [" + table + "]", who,
                        () -> control.removeTables(name, List.of(table)))));
                case "PATCH" -> {
                    Map<String, String> options = strings(body, "options");
                    yield Reply.ok(PipeJson.entry(act(name, "edit " + table + " " + options, who,
                            () -> control.editTable(name, table, options))));
                }
                default -> throw notAllowed(method);
            };
        }
        throw new ApiError(404, "no such resource: see /api/openapi.json");
    }

    private ArrayNode list() {
        Map<String, PipeStatus> latest = watcher.latest();
        ArrayNode pipes = PipeJson.MAPPER.createArrayNode();
        for (PipeEntry e : control.list()) {
            PipeStatus s = latest.get(e.name());
            pipes.add(s == null ? PipeJson.entry(e) : PipeJson.status(e, s));
        }
        return pipes;
    }

    private JsonNode status(String name) throws IOException {
        PipeEntry e = control.entry(name);
        return PipeJson.status(e, PipeStatus.of(control, name));
    }

    /** Runs an action on one pipe, alone, and records who asked and how it ended. */
    private PipeEntry act(String pipe, String action, String who, Action run) throws Exception {
        ReentrantLock lock = locks.computeIfAbsent(pipe, p -> new ReentrantLock());
        lock.lock();
        try {
            PipeEntry done = run.run();
            record(control, pipe, who, action, "ok");
            return done;
        } catch (Exception e) {
            record(control, pipe, who, action, PipeSetupException.firstLine(e));
            throw e;
        } finally {
            lock.unlock();
        }
    }

    /** Logs an action and records it in the catalog; one the catalog cannot take now is only logged. */
    static void record(PipeControl control, String pipe, String who, String action, String outcome) {
        LOG.info("{} by {}: {}", action, who, outcome);
        try {
            control.catalog().recordAction(pipe, who, action, outcome);
        } catch (RuntimeException e) {
            LOG.warn("could not record {} by {} on pipe {}: {}", action, who, pipe, e.getMessage());
        }
    }

    private static ApiError notAllowed(String method) {
        return new ApiError(405, method + " is not allowed here: see /api/openapi.json");
    }

    private static String text(JsonNode body, String field) {
        if (body == null || !body.hasNonNull(field) || !body.get(field).isTextual()) {
            throw new ApiError(400, "the body needs a text field " + field);
        }
        return body.get(field).asText();
    }

    private static Map<String, String> strings(JsonNode body, String field) {
        if (body == null || !body.path(field).isObject() || body.get(field).isEmpty()) {
            throw new ApiError(400, "the body needs an object " + field + " of names and values");
        }
        Map<String, String> out = new LinkedHashMap<>();
        body.get(field).fields().forEachRemaining(f -> out.put(f.getKey(), f.getValue().isTextual()
                ? f.getValue().asText() : f.getValue().toString()));
        return out;
    }

    private static List<String> list(JsonNode body, String field) {
        if (body == null || !body.path(field).isArray() || body.get(field).isEmpty()) {
            throw new ApiError(400, "the body needs a list " + field);
        }
        List<String> out = new ArrayList<>();
        body.get(field).forEach(v -> out.add(v.asText()));
        return out;
    }
}
