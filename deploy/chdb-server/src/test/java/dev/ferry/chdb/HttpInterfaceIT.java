package dev.ferry.chdb;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The HTTP interface itself, byte for byte, for what a client other than client-v2 may send. */
@ExtendWith(LocalClickHouse.Shared.class)
class HttpInterfaceIT {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static LocalClickHouse server;

    @BeforeAll
    static void setUp(LocalClickHouse localClickHouse) throws Exception {
        server = localClickHouse;
        post("", "CREATE TABLE http_t (a UInt32, b String DEFAULT concat('d', toString(a))) ENGINE = MergeTree"
                + " ORDER BY a");
    }

    @Test
    void pingAnswersOk() throws Exception {
        HttpResponse<String> ping = HTTP.send(HttpRequest.newBuilder(URI.create(server.url() + "/ping")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(ping.statusCode()).isEqualTo(200);
        assertThat(ping.body()).isEqualTo("Ok.\n");
    }

    @Test
    void queryInUrlDataInBodyAndQueryWithDataInBody() throws Exception {
        post("query=" + enc("INSERT INTO http_t FORMAT TSV"), "1\tone\n2\ttwo\n");
        post("", "INSERT INTO http_t (a) FORMAT CSV\n3\n");
        post("", "INSERT INTO http_t VALUES (4, 'with\n\nblank lines'), (5, 'x')");
        // wait_end_of_query: the summary header then covers the whole result, not the first chunk.
        HttpResponse<String> result = post("wait_end_of_query=1&query="
                + enc("SELECT a, b FROM http_t WHERE a <= 5 ORDER BY a"), "");
        assertThat(result.body()).isEqualTo("1\tone\n2\ttwo\n3\td3\n4\twith\\n\\nblank lines\n5\tx\n");
        assertThat(result.headers().firstValue("X-ClickHouse-Format")).hasValue("TabSeparated");
        assertThat(result.headers().firstValue("X-ClickHouse-Summary").orElseThrow()).contains("\"result_rows\":\"5\"");
    }

    @Test
    void insertReportsWrittenRowsInSummary() throws Exception {
        HttpResponse<String> insert = post("query=" + enc("INSERT INTO http_t FORMAT JSONEachRow"),
                "{\"a\":100}\n{\"a\":101,\"b\":\"given\"}\n");
        assertThat(insert.statusCode()).isEqualTo(200);
        assertThat(insert.headers().firstValue("X-ClickHouse-Summary").orElseThrow())
                .contains("\"written_rows\":\"2\"");
        assertThat(post("query=" + enc("SELECT b FROM http_t WHERE a >= 100 ORDER BY a"), "").body())
                .isEqualTo("d100\ngiven\n");
    }

    @Test
    void headerNamedColumnsAreMatchedByName() throws Exception {
        post("query=" + enc("INSERT INTO http_t FORMAT CSVWithNames"), "b,a\nswapped,200\n");
        assertThat(post("query=" + enc("SELECT b FROM http_t WHERE a = 200"), "").body()).isEqualTo("swapped\n");
    }

    @Test
    void errorsCarryStatusCodeHeaderAndText() throws Exception {
        HttpResponse<String> unknown = post("query=" + enc("SELECT * FROM missing_table"), "");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.headers().firstValue("X-ClickHouse-Exception-Code")).hasValue("60");
        assertThat(unknown.body()).startsWith("Code: 60. DB::Exception: ").contains("(UNKNOWN_TABLE)");

        HttpResponse<String> multi = post("", "SELECT 1; SELECT 2");
        assertThat(multi.statusCode()).isEqualTo(400);
        assertThat(multi.body()).contains("Multi-statements are not allowed");

        HttpResponse<String> session = post("session_id=abc&query=SELECT+1", "");
        assertThat(session.statusCode()).isEqualTo(501);
    }

    @Test
    void getIsReadOnly() throws Exception {
        HttpResponse<String> get = HTTP.send(HttpRequest.newBuilder(URI.create(server.url() + "/?query="
                        + enc("INSERT INTO http_t VALUES (999, 'x')"))).header("Authorization", basic()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(get.headers().firstValue("X-ClickHouse-Exception-Code")).hasValue("164");
    }

    @Test
    void credentialsByHeadersAndParameters() throws Exception {
        String query = server.url() + "/?query=" + enc("SELECT currentUser()");
        HttpResponse<String> byHeaders = HTTP.send(HttpRequest.newBuilder(URI.create(query))
                        .header("X-ClickHouse-User", "default").header("X-ClickHouse-Key", server.password()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(byHeaders.body()).isEqualTo("default\n");
        HttpResponse<String> byParams = HTTP.send(HttpRequest.newBuilder(URI.create(query + "&user=default&password="
                + enc(server.password()))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(byParams.body()).isEqualTo("default\n");
        HttpResponse<String> wrong = HTTP.send(HttpRequest.newBuilder(URI.create(query))
                        .header("X-ClickHouse-User", "default").header("X-ClickHouse-Key", "nope").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(wrong.statusCode()).isEqualTo(403);
        assertThat(wrong.headers().firstValue("X-ClickHouse-Exception-Code")).hasValue("516");
    }

    @Test
    void gzipBothWays() throws Exception {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write("SELECT number FROM numbers(3)".getBytes(StandardCharsets.UTF_8));
        }
        HttpResponse<byte[]> response = HTTP.send(HttpRequest.newBuilder(URI.create(server.url()
                        + "/?enable_http_compression=1")).header("Authorization", basic())
                        .header("Content-Encoding", "gzip").header("Accept-Encoding", "br, gzip")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(gz.toByteArray())).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.headers().firstValue("Content-Encoding")).hasValue("gzip");
        try (GZIPInputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(response.body()))) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("0\n1\n2\n");
        }
    }

    @Test
    void formatClauseWinsOverDefaultFormat() throws Exception {
        HttpResponse<String> response = post("default_format=CSV&query="
                + enc("SELECT 1 AS x FORMAT JSONEachRow"), "");
        assertThat(response.body()).isEqualTo("{\"x\":1}\n");
        assertThat(response.headers().firstValue("X-ClickHouse-Format")).hasValue("JSONEachRow");
        assertThat(post("default_format=CSV&query=" + enc("SELECT 'a' AS x"), "").body()).isEqualTo("\"a\"\n");
    }

    private static HttpResponse<String> post(String params, String body) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(server.url() + "/?" + params))
                        .header("Authorization", basic())
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String basic() {
        return "Basic " + Base64.getEncoder().encodeToString(("default:" + server.password())
                .getBytes(StandardCharsets.UTF_8));
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
