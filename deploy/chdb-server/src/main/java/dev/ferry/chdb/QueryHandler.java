package dev.ferry.chdb;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Serves {@code /} (queries) and {@code /ping}, like ClickHouse's HTTP interface. */
final class QueryHandler implements HttpHandler {
    private static final Logger LOG = LoggerFactory.getLogger(QueryHandler.class);
    /** ClickHouse's max_query_size: the statement part of an INSERT lies within it. */
    private static final int HEAD_LIMIT = 256 * 1024;
    /** Largest non-INSERT request text held in memory. */
    private static final int QUERY_LIMIT = 64 << 20;
    private static final Duration CONNECTION_WAIT = Duration.ofSeconds(60);

    private final ChdbEngine engine;
    private final InsertStaging staging;
    private final String user;
    private final String password;

    QueryHandler(ChdbEngine engine, InsertStaging staging, String user, String password) {
        this.engine = engine;
        this.staging = staging;
        this.user = user;
        this.password = password;
    }

    /**
     * Serves one exchange. A failure after the response started propagates (as an I/O error or
     * {@link ClickHouseResponse.Aborted}): the JDK server then drops the connection without
     * completing the response, which is the only way left to tell the client.
     */
    @Override
    public void handle(HttpExchange exchange) throws IOException {
        long startNanos = System.nanoTime();
        ClickHouseResponse response = new ClickHouseResponse(exchange, engine.displayName(), engine.timezone());
        String queryId = "";
        try {
            String path = exchange.getRequestURI().getPath();
            if (path.equals("/ping")) {
                response.plain(200, "Ok.\n");
            } else if (!path.equals("/")) {
                response.plain(404, "There is no handle " + path + "\n\nUse / or /ping for health checks.\n");
            } else {
                HttpQueryRequest request = HttpQueryRequest.parse(exchange);
                queryId = request.queryId();
                response.setRequest(request);
                if (!request.credentialsMatch(user, password)) {
                    throw ClickHouseError.authenticationFailed(request.user());
                }
                if (request.isGet() && request.query() == null) {
                    response.plain(200, "Ok.\n");
                } else {
                    QueryStats stats = execute(request, exchange, response);
                    LOG.debug("query_id={} done in {} ms: {}", queryId,
                            (System.nanoTime() - startNanos) / 1_000_000, stats.toSummaryJson());
                }
            }
        } catch (ClickHouseError e) {
            LOG.info("query_id={} failed with code {}", queryId, e.code());
            LOG.debug("query_id={}: {}", queryId, e.getMessage());
            response.fail(e);
        } catch (IOException e) {
            LOG.debug("query_id={}: I/O error: {}", queryId, e.toString());
            if (response.started()) {
                throw e;
            }
            // Most likely a body that does not decode; if the client is gone, this fails too.
            response.fail(new ClickHouseError(ClickHouseError.CANNOT_READ_ALL_DATA,
                    "Cannot read the request body: " + e));
        } catch (ClickHouseResponse.Aborted e) {
            throw e;
        } catch (RuntimeException e) {
            LOG.error("query_id={}: unexpected failure", queryId, e);
            response.fail(new ClickHouseError(ClickHouseError.UNKNOWN_EXCEPTION, e.toString()));
        }
        exchange.close();
    }

    private QueryStats execute(HttpQueryRequest request, HttpExchange exchange, ClickHouseResponse response)
            throws IOException {
        if (request.sessionId() != null) {
            throw new ClickHouseError(ClickHouseError.NOT_IMPLEMENTED,
                    "HTTP sessions (session_id) are not supported by Ferry's local ClickHouse");
        }
        if (request.isMultipart()) {
            throw new ClickHouseError(ClickHouseError.NOT_IMPLEMENTED, "multipart/form-data requests (external"
                    + " data, client.http.use_form_request_for_query) are not supported by Ferry's local ClickHouse");
        }
        InputStream body = HttpCompression.decode(exchange.getRequestBody(), request.contentEncoding());
        if (request.decompress()) {
            body = new CompressedBlockInputStream(body);
        }
        Text text = Text.read(request.query(), body);
        if (text.length == 0) {
            throw new ClickHouseError(ClickHouseError.SYNTAX_ERROR, "Empty query");
        }
        Statement statement = Statement.parse(text.bytes, text.length);
        if (statement.kind() == Statement.Kind.INSERT_DATA) {
            return insert(request, response, statement, text, body);
        }
        if (!text.complete) {
            text.readRest(body);
            statement = Statement.parse(text.bytes, text.length);
        }
        return query(request, response, statement, Arrays.copyOf(text.bytes, text.length));
    }

    private QueryStats insert(HttpQueryRequest request, ClickHouseResponse response, Statement statement, Text text,
                              InputStream body) throws IOException {
        // The data is read completely before an engine connection is taken.
        try (InsertStaging.Staged staged = staging.stage(statement, text.bytes, text.length, body)) {
            Map<String, String> settings = new LinkedHashMap<>(InsertStaging.SETTINGS);
            settings.putAll(request.settings());
            QueryStats stats;
            try (ChdbConnection connection = engine.acquire(CONNECTION_WAIT)) {
                connection.prepare(request.database(), settings);
                try (ChdbResult result = connection.query(staged.sql().getBytes(StandardCharsets.UTF_8),
                        request.defaultFormat(), request.params())) {
                    stats = result.stats().writtenAsResult();
                }
            }
            response.start(request.defaultFormat(), stats);
            response.finish();
            return stats;
        }
    }

    private QueryStats query(HttpQueryRequest request, ClickHouseResponse response, Statement statement, byte[] sql)
            throws IOException {
        String format = statement.outputFormat() != null ? statement.outputFormat() : request.defaultFormat();
        try (ChdbConnection connection = engine.acquire(CONNECTION_WAIT)) {
            connection.prepare(request.database(), request.settings());
            if (statement.changesSession()) {
                connection.markSessionChanged();
            }
            if (statement.changesDatabase()) {
                connection.forgetDatabase();
            }
            if (statement.kind() == Statement.Kind.SELECT && !request.waitEndOfQuery()
                    && StreamedFormats.streamable(format, request.settings())) {
                return stream(response, connection.stream(sql, format, request.params()), format);
            }
            try (ChdbResult result = connection.query(sql, format, request.params())) {
                OutputStream out = response.start(format, result.stats());
                result.writeTo(out);
                response.finish();
                return result.stats();
            }
        }
    }

    /**
     * Streams a SELECT. The first chunk is fetched before the status goes out, so that errors
     * found while starting the query (unknown table, ...) still get their own status code.
     */
    private static QueryStats stream(ClickHouseResponse response, ChdbStream stream, String format)
            throws IOException {
        try (stream) {
            ChdbResult chunk = stream.next();
            QueryStats total = chunk == null ? QueryStats.NONE : chunk.stats();
            OutputStream out = response.start(format, total);
            StreamedFormats.Joiner joiner = new StreamedFormats.Joiner(format);
            while (chunk != null) {
                try (ChdbResult current = chunk) {
                    ChdbResult.write(joiner.join(current.data()), out);
                }
                chunk = stream.next();
                if (chunk != null) {
                    total = total.plus(chunk.stats());
                }
            }
            response.finish();
            return total;
        }
    }

    /**
     * The request's text as ClickHouse sees it: the {@code query} parameter, a newline, then the
     * body. Only the first {@link #HEAD_LIMIT} bytes of the body are read at first, since after an
     * INSERT's statement the rest is data.
     */
    private static final class Text {
        byte[] bytes;
        int length;
        boolean complete;

        static Text read(String query, InputStream body) throws IOException {
            Text text = new Text();
            byte[] prefix = query == null || query.isEmpty() ? new byte[0]
                    : (query + "\n").getBytes(StandardCharsets.UTF_8);
            text.bytes = Arrays.copyOf(prefix, prefix.length + HEAD_LIMIT);
            int read = body.readNBytes(text.bytes, prefix.length, HEAD_LIMIT);
            text.length = prefix.length + read;
            text.complete = read < HEAD_LIMIT;
            return text;
        }

        void readRest(InputStream body) throws IOException {
            byte[] rest = body.readNBytes(QUERY_LIMIT - length + 1);
            if (length + rest.length > QUERY_LIMIT) {
                throw new ClickHouseError(ClickHouseError.QUERY_IS_TOO_LARGE,
                        "Query is too large: more than " + QUERY_LIMIT + " bytes");
            }
            bytes = Arrays.copyOf(bytes, length + rest.length);
            System.arraycopy(rest, 0, bytes, length, rest.length);
            length += rest.length;
            complete = true;
        }
    }
}
