package dev.ferry.chdb;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The response to one request, written the way ClickHouse's HTTP handler writes it: its headers,
 * the body through native block compression ({@code compress=1}) inside HTTP compression, and
 * errors with their status, {@code X-ClickHouse-Exception-Code} and text.
 */
final class ClickHouseResponse {
    /** Ends the exchange without completing the HTTP message, so the client cannot take a cut-off result for a whole one. */
    static final class Aborted extends RuntimeException {
        Aborted(Throwable cause) {
            super("Response aborted after an error in mid-stream", cause);
        }
    }

    private final HttpExchange exchange;
    private final String displayName;
    private final String serverTimezone;
    private HttpQueryRequest request;
    private OutputStream body;
    private boolean started;

    ClickHouseResponse(HttpExchange exchange, String displayName, String serverTimezone) {
        this.exchange = exchange;
        this.displayName = displayName;
        this.serverTimezone = serverTimezone;
    }

    void setRequest(HttpQueryRequest request) {
        this.request = request;
    }

    boolean started() {
        return started;
    }

    /** Sends 200 with the result headers; returns the stream for the body. */
    OutputStream start(String format, QueryStats stats) throws IOException {
        Headers headers = commonHeaders();
        headers.set("Content-Type", contentType(format));
        headers.set("X-ClickHouse-Format", format);
        headers.set("X-ClickHouse-Summary", stats.toSummaryJson());
        String encoding = HttpCompression.choose(request.acceptEncoding());
        if (encoding != null) {
            headers.set("Content-Encoding", encoding);
        }
        exchange.sendResponseHeaders(200, 0);
        started = true;
        body = exchange.getResponseBody();
        if (encoding != null) {
            body = HttpCompression.encode(body, encoding, request.zlibLevel());
        }
        if (request.compress()) {
            body = new CompressedBlockOutputStream(body);
        }
        return body;
    }

    /** Completes the body (last compressed blocks, final chunk). */
    void finish() throws IOException {
        body.close();
    }

    /** A plain-text answer outside the query protocol (ping, 404). */
    void plain(int status, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=UTF-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /**
     * Reports an error. Before the body started: its HTTP status, the exception code header and
     * the text (compressed when the client asked for compression, except for 401/403, which
     * client-v2 reads uncompressed). After: the text is appended to the body and the exchange is
     * aborted, since the status has gone out already.
     */
    void fail(ClickHouseError error) throws IOException {
        byte[] text = (error.getMessage() + "\n").getBytes(StandardCharsets.UTF_8);
        if (started) {
            body.write(text);
            body.flush();
            throw new Aborted(error);
        }
        int status = error.httpStatus();
        Headers headers = request == null ? exchange.getResponseHeaders() : commonHeaders();
        headers.set("Content-Type", "text/plain; charset=UTF-8");
        headers.set("X-ClickHouse-Exception-Code", Integer.toString(error.code()));
        boolean compressed = request != null && request.compress() && status != 401 && status != 403;
        exchange.sendResponseHeaders(status, 0);
        started = true;
        try (OutputStream out = compressed
                ? new CompressedBlockOutputStream(exchange.getResponseBody()) : exchange.getResponseBody()) {
            out.write(text);
        }
    }

    private Headers commonHeaders() {
        Headers headers = exchange.getResponseHeaders();
        headers.set("X-ClickHouse-Query-Id", request.queryId());
        headers.set("X-ClickHouse-Server-Display-Name", displayName);
        String sessionTimezone = request.settings().get("session_timezone");
        headers.set("X-ClickHouse-Timezone",
                sessionTimezone == null || sessionTimezone.isBlank() ? serverTimezone : sessionTimezone);
        // Shorter than the JDK server's idle timeout, so clients drop connections before it does.
        headers.set("Keep-Alive", "timeout=10");
        return headers;
    }

    private static String contentType(String format) {
        if (format.startsWith("RowBinary") || format.equals("Native") || format.startsWith("Arrow")
                || format.equals("Parquet") || format.equals("ORC") || format.equals("Avro")
                || format.equals("MsgPack") || format.startsWith("Protobuf") || format.equals("RawBLOB")) {
            return "application/octet-stream";
        }
        if (format.startsWith("JSON")) {
            return "application/json; charset=UTF-8";
        }
        return "text/plain; charset=UTF-8";
    }
}
