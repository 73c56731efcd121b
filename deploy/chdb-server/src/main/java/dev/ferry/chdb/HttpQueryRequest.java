package dev.ferry.chdb;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * What one request to the HTTP interface asks for, read from its URL parameters and headers the
 * way ClickHouse's HTTPHandler reads them. The password is only ever compared, never exposed.
 */
final class HttpQueryRequest {
    /** URL parameters of the HTTP interface itself; every other one (but param_*) is a setting. */
    private static final Set<String> RESERVED = Set.of("query", "compress", "decompress", "user", "password",
            "quota_key", "query_id", "stacktrace", "role", "buffer_size", "wait_end_of_query", "session_id",
            "session_timeout", "session_check", "client_protocol_version", "close_session", "database",
            "default_format");
    private static final String PARAM_PREFIX = "param_";
    private static final Pattern SETTING_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final boolean get;
    private final String query;
    private final String database;
    private final String user;
    private final String password;
    private final String queryId;
    private final String defaultFormat;
    private final boolean compress;
    private final boolean decompress;
    private final boolean waitEndOfQuery;
    private final Map<String, String> settings;
    private final Map<String, String> params;
    private final Headers headers;
    private final String sessionId;

    private HttpQueryRequest(HttpExchange exchange) {
        Map<String, String> url = decode(exchange.getRequestURI().getRawQuery());
        headers = exchange.getRequestHeaders();
        get = "GET".equalsIgnoreCase(exchange.getRequestMethod());
        query = url.get("query");
        database = firstNonEmpty(url.get("database"), header("X-ClickHouse-Database"), "default");
        queryId = firstNonEmpty(url.get("query_id"), header("X-ClickHouse-Query-Id"), UUID.randomUUID().toString());
        defaultFormat = firstNonEmpty(url.get("default_format"), header("X-ClickHouse-Format"), "TabSeparated");
        compress = truthy(url.get("compress"));
        decompress = truthy(url.get("decompress"));
        sessionId = url.get("session_id");

        String[] credentials = credentials(url);
        user = credentials[0];
        password = credentials[1];

        Map<String, String> s = new LinkedHashMap<>();
        Map<String, String> p = new LinkedHashMap<>();
        url.forEach((name, value) -> {
            if (name.startsWith(PARAM_PREFIX)) {
                p.put(name.substring(PARAM_PREFIX.length()), value);
            } else if (!RESERVED.contains(name)) {
                if (!SETTING_NAME.matcher(name).matches()) {
                    throw new ClickHouseError(ClickHouseError.UNKNOWN_SETTING, "Unknown setting '" + name + "'");
                }
                s.put(name, value);
            }
        });
        // A GET may not change data, as on a server: readonly=2 still lets it change settings.
        if (get) {
            s.putIfAbsent("readonly", "2");
        }
        settings = Collections.unmodifiableMap(s);
        params = Collections.unmodifiableMap(p);
        waitEndOfQuery = truthy(url.get("wait_end_of_query")) || truthy(s.get("http_wait_end_of_query"));
    }

    static HttpQueryRequest parse(HttpExchange exchange) {
        return new HttpQueryRequest(exchange);
    }

    boolean isGet() {
        return get;
    }

    /** The {@code query} URL parameter, or null. */
    String query() {
        return query;
    }

    String database() {
        return database;
    }

    String user() {
        return user;
    }

    String queryId() {
        return queryId;
    }

    /** Output format of a statement without a FORMAT clause. */
    String defaultFormat() {
        return defaultFormat;
    }

    /** {@code compress=1}: the response body goes out in the native compressed block format. */
    boolean compress() {
        return compress;
    }

    /** {@code decompress=1}: the request body comes in the native compressed block format. */
    boolean decompress() {
        return decompress;
    }

    /** The whole result is computed before the response starts (wait_end_of_query). */
    boolean waitEndOfQuery() {
        return waitEndOfQuery;
    }

    Map<String, String> settings() {
        return settings;
    }

    /** Query parameters ({@code param_<name>}), keyed by name. */
    Map<String, String> params() {
        return params;
    }

    String sessionId() {
        return sessionId;
    }

    String contentEncoding() {
        return headers.getFirst("Content-Encoding");
    }

    /** HTTP response compression, when the client asked for it with enable_http_compression=1. */
    String acceptEncoding() {
        return truthy(settings.get("enable_http_compression")) ? headers.getFirst("Accept-Encoding") : null;
    }

    int zlibLevel() {
        String level = settings.get("http_zlib_compression_level");
        return level == null ? 3 : Integer.parseInt(level.strip());
    }

    boolean isMultipart() {
        String type = headers.getFirst("Content-Type");
        return type != null && type.toLowerCase().startsWith("multipart/");
    }

    boolean credentialsMatch(String expectedUser, String expectedPassword) {
        return user.equals(expectedUser) && MessageDigest.isEqual(
                password.getBytes(StandardCharsets.UTF_8), expectedPassword.getBytes(StandardCharsets.UTF_8));
    }

    /** {user, password}: Basic auth, else X-ClickHouse-User/Key, else user/password parameters. */
    private String[] credentials(Map<String, String> url) {
        String authorization = headers.getFirst("Authorization");
        if (authorization != null) {
            if (authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
                String decoded;
                try {
                    decoded = new String(Base64.getDecoder().decode(authorization.substring(6).strip()),
                            StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) {
                    throw new ClickHouseError(ClickHouseError.AUTHENTICATION_FAILED, "Malformed Basic authorization");
                }
                int colon = decoded.indexOf(':');
                return colon < 0 ? new String[] {decoded, ""}
                        : new String[] {decoded.substring(0, colon), decoded.substring(colon + 1)};
            }
            throw new ClickHouseError(ClickHouseError.AUTHENTICATION_FAILED,
                    "Only Basic authorization is supported by Ferry's local ClickHouse");
        }
        String headerUser = header("X-ClickHouse-User");
        if (headerUser != null) {
            return new String[] {headerUser, Objects.requireNonNullElse(header("X-ClickHouse-Key"), "")};
        }
        return new String[] {firstNonEmpty(url.get("user"), "default"),
                Objects.requireNonNullElse(url.get("password"), "")};
    }

    /** A header, also in its RFC 5987 form ({@code Name*: UTF-8''percent-encoded}) client-v2 uses for non-ASCII. */
    private String header(String name) {
        String plain = headers.getFirst(name);
        if (plain != null) {
            return plain;
        }
        String extended = headers.getFirst(name + "*");
        if (extended != null && extended.regionMatches(true, 0, "UTF-8''", 0, 7)) {
            return URLDecoder.decode(extended.substring(7), StandardCharsets.UTF_8);
        }
        return null;
    }

    private static Map<String, String> decode(String rawQuery) {
        Map<String, String> out = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return out;
        }
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            try {
                String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                out.put(name, value);
            } catch (IllegalArgumentException e) {
                throw new ClickHouseError(ClickHouseError.BAD_ARGUMENTS, "Malformed URL parameter: " + e.getMessage());
            }
        }
        return out;
    }

    private static boolean truthy(String value) {
        return value != null && (value.equals("1") || value.equalsIgnoreCase("true"));
    }

    private static String firstNonEmpty(String... values) {
        for (String v : values) {
            if (v != null && !v.isEmpty()) {
                return v;
            }
        }
        return null;
    }
}
