package dev.ferry.jobs.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.ferry.jobs.control.PipeControl;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ferry server}: the console ({@code /}), the REST API ({@code /api}, described by
 * {@code /api/openapi.json}) and Prometheus metrics of every pipe ({@code /metrics}), over the same
 * catalog the CLI uses. On a
 * loopback address it serves anyone on the machine; elsewhere it refuses to start without bearer
 * tokens, and with tokens every request must carry one.
 */
public final class FerryServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FerryServer.class);
    private static final int MAX_BODY = 1 << 20;
    private static final java.util.Set<String> LOOPBACK_NAMES = java.util.Set.of("127.0.0.1", "localhost", "[::1]");
    /** The console: one page and its script and style, from the jar. */
    private static final Map<String, String> UI_FILES = Map.of("/", "index.html", "/ui/app.js", "app.js",
            "/ui/style.css", "style.css");

    private final HttpServer http;
    private final ExecutorService threads = Executors.newFixedThreadPool(8, r -> {
        Thread t = new Thread(r, "ferry-server");
        t.setDaemon(true);
        return t;
    });
    private final PipeApi api;
    private final PipeWatcher watcher;
    private final ApiTokens tokens;

    /** {@code defaultFlink}: the Flink REST URL a pipe created without one runs on. */
    public FerryServer(InetSocketAddress address, ApiTokens tokens, PipeControl control, PipeWatcher watcher,
            String defaultFlink) throws IOException {
        if (tokens.isEmpty() && !address.getAddress().isLoopbackAddress()) {
            throw new IllegalArgumentException("listening on " + address.getHostString() + " needs bearer tokens:"
                    + " set FERRY_SERVER_TOKENS=name=token[,name=token...] or listen on 127.0.0.1");
        }
        this.tokens = tokens;
        this.watcher = watcher;
        this.api = new PipeApi(control, watcher, defaultFlink);
        this.http = HttpServer.create(address, 64);
        http.setExecutor(threads);
        http.createContext("/", this::serve);
    }

    public void start() {
        http.start();
    }

    /** The address it listens on (the port chosen when 0 was asked for). */
    public InetSocketAddress address() {
        return http.getAddress();
    }

    private void serve(HttpExchange x) throws IOException {
        try (x) {
            String path = x.getRequestURI().getRawPath();
            String method = x.getRequestMethod().toUpperCase(Locale.ROOT);
            String page = method.equals("GET") ? UI_FILES.get(path) : null;
            if (page != null) {
                // the console's files hold no data: its requests to /api carry the token
                try (InputStream in = FerryServer.class.getResourceAsStream("ui/" + page)) {
                    send(x, 200, contentType(page), new String(in.readAllBytes(), StandardCharsets.UTF_8));
                }
                return;
            }
            Optional<String> refused = refusedRequest(x, method);
            if (refused.isPresent()) {
                send(x, 403, "application/json", PipeJson.error(refused.get()).toString());
                return;
            }
            Optional<String> who = tokens.isEmpty() ? Optional.of("local")
                    : tokens.nameOf(x.getRequestHeaders().getFirst("Authorization"));
            if (who.isEmpty()) {
                x.getResponseHeaders().set("WWW-Authenticate", "Bearer");
                send(x, 401, "application/json", PipeJson.error("a bearer token is required").toString());
                return;
            }
            if (path.equals("/api/openapi.json") && method.equals("GET")) {
                try (InputStream in = FerryServer.class.getResourceAsStream("openapi.json")) {
                    send(x, 200, "application/json", new String(in.readAllBytes(), StandardCharsets.UTF_8));
                }
            } else if (path.equals("/metrics") && method.equals("GET")) {
                send(x, 200, "text/plain; version=0.0.4", PipeMetrics.render(watcher.latest()));
            } else if (path.startsWith("/api/")) {
                PipeApi.Reply reply;
                try {
                    reply = api.handle(method, segments(path.substring(5)), query(x), body(x), who.get());
                } catch (PipeApi.ApiError e) {
                    reply = new PipeApi.Reply(e.status, PipeJson.error(e.getMessage()));
                }
                send(x, reply.status(), "application/json", reply.body().toString());
            } else {
                send(x, 404, "application/json", PipeJson.error("no such resource: the console is at /, the API under"
                        + " /api (/api/openapi.json describes it), metrics under /metrics").toString());
            }
        } catch (RuntimeException e) {
            LOG.warn("request {} {} failed", x.getRequestMethod(), x.getRequestURI().getPath(), e);
        }
    }

    /**
     * Why a request is refused before anything else, if it is: without tokens the server trusts the
     * machine, so it answers only to its loopback names (a page elsewhere that rebinds its own name to
     * 127.0.0.1 gets nothing); a change must come as JSON from a page of this server (another site's
     * page can send a form or text across origins without asking, but not JSON, and it says where it
     * is from).
     */
    private Optional<String> refusedRequest(HttpExchange x, String method) {
        String host = x.getRequestHeaders().getFirst("Host");
        String hostName = host == null ? "" : host.replaceFirst(":\\d+$", "");
        if (tokens.isEmpty() && !LOOPBACK_NAMES.contains(hostName)) {
            return Optional.of("this server answers to 127.0.0.1 and localhost only (it has no tokens)");
        }
        if (method.equals("GET") || method.equals("HEAD")) {
            return Optional.empty();
        }
        String origin = x.getRequestHeaders().getFirst("Origin");
        if (origin != null && !origin.replaceFirst("^https?://", "").equals(host)) {
            return Optional.of("changes are accepted from this server's own pages only, not from " + origin);
        }
        String type = x.getRequestHeaders().getFirst("Content-Type");
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            return Optional.of("a change needs Content-Type: application/json");
        }
        return Optional.empty();
    }

    private static String contentType(String file) {
        return file.endsWith(".html") ? "text/html; charset=utf-8"
                : file.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8";
    }

    private static JsonNode body(HttpExchange x) throws IOException {
        byte[] raw = x.getRequestBody().readNBytes(MAX_BODY + 1);
        if (raw.length > MAX_BODY) {
            throw new PipeApi.ApiError(413, "the body is larger than 1 MB");
        }
        if (raw.length == 0) {
            return null;
        }
        try {
            return PipeJson.MAPPER.readTree(raw);
        } catch (JsonProcessingException e) {
            throw new PipeApi.ApiError(400, "the body is not JSON: " + e.getOriginalMessage());
        }
    }

    private static List<String> segments(String path) {
        List<String> out = new ArrayList<>();
        for (String s : path.split("/")) {
            if (!s.isEmpty()) {
                out.add(URLDecoder.decode(s, StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    private static Map<String, String> query(HttpExchange x) {
        Map<String, String> out = new LinkedHashMap<>();
        String q = x.getRequestURI().getRawQuery();
        if (q != null) {
            Arrays.stream(q.split("&")).map(p -> p.split("=", 2)).forEach(p -> out.put(
                    URLDecoder.decode(p[0], StandardCharsets.UTF_8),
                    p.length > 1 ? URLDecoder.decode(p[1], StandardCharsets.UTF_8) : ""));
        }
        return out;
    }

    private static void send(HttpExchange x, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", type);
        x.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        http.stop(1);
        watcher.close();
        threads.shutdownNow();
    }
}
