package dev.ferry.chdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.ClientException;
import com.clickhouse.client.api.CompressionMethod;
import com.clickhouse.client.api.ServerException;
import com.clickhouse.client.api.data_formats.ClickHouseBinaryFormatReader;
import com.clickhouse.client.api.data_formats.RowBinaryFormatWriter;
import com.clickhouse.client.api.data_formats.internal.StringValue;
import com.clickhouse.client.api.insert.InsertResponse;
import com.clickhouse.client.api.insert.InsertSettings;
import com.clickhouse.client.api.metadata.TableSchema;
import com.clickhouse.client.api.query.GenericRecord;
import com.clickhouse.client.api.query.QueryResponse;
import com.clickhouse.client.api.query.QuerySettings;
import com.clickhouse.data.ClickHouseFormat;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.hc.core5.http.ConnectionClosedException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The server through clickhouse-java client-v2 0.11.0 with its defaults, as Ferry uses it. */
@ExtendWith(LocalClickHouse.Shared.class)
@SuppressWarnings("try") // client-v2's QueryResponse.close() declares Exception
class ClientV2IT {
    private static LocalClickHouse server;
    private static Client client;

    @BeforeAll
    static void connect(LocalClickHouse localClickHouse) {
        server = localClickHouse;
        client = server.clientBuilder().binaryStringSupport(true).build();
    }

    @AfterAll
    static void disconnect() {
        client.close();
    }

    record Row(int id, byte[] raw, String text, Integer nullable, BigDecimal decimal, Instant ts, UUID uuid,
               List<String> tags) {
    }

    @Test
    void rowBinaryWithBlankLinesAndEveryByteRoundTrips() throws Exception {
        client.execute("CREATE TABLE awkward (id UInt32, raw String, text String, nullable Nullable(Int32),"
                + " decimal Decimal(18, 4), ts DateTime64(6, 'UTC'), uuid UUID, tags Array(String))"
                + " ENGINE = MergeTree ORDER BY id").get().close();
        List<Row> rows = awkwardRows();
        TableSchema schema = client.getTableSchema("awkward");

        InsertResponse insert = client.insert("awkward", out -> {
            RowBinaryFormatWriter writer = new RowBinaryFormatWriter(out, schema, ClickHouseFormat.RowBinary);
            for (Row row : rows) {
                writer.setValue("id", row.id());
                writer.setString("raw", row.raw());
                writer.setString("text", row.text());
                writer.setValue("nullable", row.nullable());
                writer.setBigDecimal("decimal", row.decimal());
                writer.setDateTime("ts", row.ts().atZone(ZoneOffset.UTC));
                writer.setValue("uuid", row.uuid());
                writer.setList("tags", row.tags());
                writer.commitRow();
            }
        }, ClickHouseFormat.RowBinary, new InsertSettings()).get();
        assertThat(insert.getWrittenRows()).isEqualTo(rows.size());
        insert.close();

        try (QueryResponse response = client.query("SELECT * FROM awkward ORDER BY id").get()) {
            assertThat(response.getFormat()).isEqualTo(ClickHouseFormat.RowBinaryWithNamesAndTypes);
            ClickHouseBinaryFormatReader reader = client.newBinaryFormatReader(response);
            int i = 0;
            while (reader.hasNext()) {
                reader.next();
                Row expected = rows.get(i++);
                assertThat(reader.getInteger("id")).isEqualTo(expected.id());
                assertThat(((StringValue) reader.readValue("raw")).toByteArray())
                        .as("raw bytes of row %d", expected.id()).isEqualTo(expected.raw());
                assertThat(reader.getString("text")).isEqualTo(expected.text());
                Integer nullable = reader.readValue("nullable");
                assertThat(nullable).isEqualTo(expected.nullable());
                assertThat(reader.getBigDecimal("decimal")).isEqualByComparingTo(expected.decimal());
                assertThat(reader.getInstant("ts")).isEqualTo(expected.ts());
                assertThat(reader.getUUID("uuid")).isEqualTo(expected.uuid());
                assertThat(reader.getList("tags")).map(String::valueOf).containsExactlyElementsOf(expected.tags());
            }
            assertThat(i).isEqualTo(rows.size());
        }
    }

    private static List<Row> awkwardRows() {
        byte[] everyByte = new byte[256];
        for (int b = 0; b < 256; b++) {
            everyByte[b] = (byte) b;
        }
        byte[] random = new byte[64 * 1024];
        new Random(42).nextBytes(random);
        List<byte[]> raws = List.of(everyByte, "\n\n".getBytes(StandardCharsets.UTF_8),
                "a\n\nb\r\n\r\n\n\nc".getBytes(StandardCharsets.UTF_8), new byte[0], new byte[] {0, '\n', '\n', 0},
                random, "\n".getBytes(StandardCharsets.UTF_8));
        List<String> texts = List.of("héllo wörld ✓", "日本語のテキスト\n\n二行目", "emoji 🚀🧪 and\ttab", "",
                "'quotes' \"double\" `back` \\slash", "Ελληνικά", "line\n\n\n");
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < raws.size(); i++) {
            rows.add(new Row(i, raws.get(i), texts.get(i), i % 3 == 0 ? null : -i * 1000,
                    new BigDecimal(i % 2 == 0 ? "-12345678901234.5678" : "0.0001").add(BigDecimal.valueOf(i)),
                    Instant.parse("2024-02-29T23:59:59.123456Z").plusSeconds(i * 86_400L),
                    UUID.nameUUIDFromBytes(new byte[] {(byte) i}),
                    List.of("a\n\nb", "", "ü" + i)));
        }
        return rows;
    }

    @Test
    void deduplicationTokenGivenAsSettingDropsARepeatedInsert() throws Exception {
        client.execute("CREATE TABLE dedup (id UInt64, v String) ENGINE = MergeTree ORDER BY id"
                + " SETTINGS non_replicated_deduplication_window = 100").get().close();
        for (int attempt = 0; attempt < 2; attempt++) {
            insertCsv("dedup", "1,a\n2,b\n", new InsertSettings().setDeduplicationToken("batch-1"));
        }
        insertCsv("dedup", "1,a\n2,b\n", new InsertSettings().setDeduplicationToken("batch-2"));
        assertThat(count("dedup")).isEqualTo(4);
    }

    /**
     * Requests with settings and a database, SET or USE, each followed by two plain ones: three
     * requests per round against eight pooled connections (taken in turn), so every connection
     * serves a plain request right after a changing one. None may see what was changed.
     */
    @Test
    void settingsDatabaseSetAndUseStayWithTheirRequest() throws Exception {
        QuerySettings changed = new QuerySettings().serverSetting("max_threads", "1")
                .serverSetting("session_timezone", "Asia/Tokyo").setDatabase("system");
        String probe = "SELECT toString(getSetting('max_threads')) AS t, timezone() AS tz, currentDatabase() AS db";
        for (int i = 0; i < 24; i++) {
            switch (i % 3) {
                case 0 -> {
                    try (QueryResponse response = client.query(probe, changed).get()) {
                        ClickHouseBinaryFormatReader reader = client.newBinaryFormatReader(response);
                        reader.next();
                        assertThat(reader.getString("t")).isEqualTo("1");
                        assertThat(reader.getString("tz")).isEqualTo("Asia/Tokyo");
                        assertThat(reader.getString("db")).isEqualTo("system");
                        assertThat(response.getTimeZone().getID()).isEqualTo("Asia/Tokyo");
                    }
                }
                case 1 -> client.execute("SET max_threads = 1").get().close();
                default -> client.execute("USE system").get().close();
            }
            for (int plainRequest = 0; plainRequest < 2; plainRequest++) {
                GenericRecord plain = client.queryAll(probe).get(0);
                assertThat(plain.getString("t")).as("max_threads in round %d", i).isNotEqualTo("1");
                assertThat(plain.getString("tz")).as("timezone in round %d", i).isNotEqualTo("Asia/Tokyo");
                assertThat(plain.getString("db")).as("database in round %d", i).isEqualTo("default");
            }
        }
    }

    @Test
    void queryParametersAndQueryIdAreHonoured() throws Exception {
        QuerySettings settings = new QuerySettings().setQueryId("ferry-test-query-id");
        try (QueryResponse response = client.query("SELECT {n:Int32} * 2 AS doubled, {s:String} AS s",
                Map.of("n", 21, "s", "it's\ttabbed"), settings).get()) {
            assertThat(response.getQueryId()).isEqualTo("ferry-test-query-id");
            ClickHouseBinaryFormatReader reader = client.newBinaryFormatReader(response);
            reader.next();
            assertThat(reader.getInteger("doubled")).isEqualTo(42);
            assertThat(reader.getString("s")).isEqualTo("it's\ttabbed");
        }
    }

    @Test
    void unknownTableIsServerExceptionWithCode60() {
        assertThatThrownBy(() -> client.query("SELECT * FROM no_such_table").get())
                .isInstanceOfSatisfying(ServerException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(60);
                    assertThat(e.getTransportProtocolCode()).isEqualTo(404);
                    assertThat(e.getMessage()).contains("Unknown table expression identifier 'no_such_table'");
                });
    }

    @Test
    void syntaxErrorIsCode62WithStatus400() {
        assertThatThrownBy(() -> client.query("SELEC 1").get())
                .isInstanceOfSatisfying(ServerException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(62);
                    assertThat(e.getTransportProtocolCode()).isEqualTo(400);
                });
    }

    @Test
    void wrongPasswordIsAuthenticationFailed516() {
        try (Client wrong = new Client.Builder().addEndpoint(server.url() + "/").setUsername("default")
                .setPassword("not the password").build()) {
            assertThatThrownBy(() -> wrong.query("SELECT 1").get())
                    .isInstanceOfSatisfying(ServerException.class, e -> {
                        assertThat(e.getCode()).isEqualTo(516);
                        assertThat(e.getTransportProtocolCode()).isEqualTo(403);
                        assertThat(e.getMessage()).contains("Authentication failed");
                    });
        }
    }

    /** The status went out with the first rows: the response is cut off, so the reader fails. */
    @Test
    void errorInTheMiddleOfAStreamFailsTheRead() throws Exception {
        assertThatThrownBy(() -> {
            try (QueryResponse response = client.query(
                    "SELECT number, throwIf(number = 300000) FROM system.numbers LIMIT 400000").get()) {
                ClickHouseBinaryFormatReader reader = client.newBinaryFormatReader(response);
                while (reader.hasNext()) {
                    reader.next();
                }
            }
        }).isInstanceOf(ClientException.class).hasRootCauseInstanceOf(ConnectionClosedException.class);
        assertThat(client.queryAll("SELECT 1 AS one").get(0).getInteger("one")).isEqualTo(1);
    }

    @Test
    void emptyResultHasHeaderOnly() throws Exception {
        try (QueryResponse response = client.query("SELECT number FROM numbers(10) WHERE number > 100").get()) {
            ClickHouseBinaryFormatReader reader = client.newBinaryFormatReader(response);
            assertThat(reader.hasNext()).isFalse();
            assertThat(reader.getSchema().getColumns()).hasSize(1);
        }
    }

    @Test
    void clientSideLz4RequestCompressionAndHttpCompressionWork() throws Exception {
        client.execute("CREATE TABLE compressed (id UInt64, s String) ENGINE = MergeTree ORDER BY id").get().close();
        try (Client nativeLz4 = server.clientBuilder().compressClientRequest(true)
                .compressionMethod(CompressionMethod.LZ4).build();
             Client http = server.clientBuilder().useHttpCompression(true).compressClientRequest(true).build()) {
            for (Client c : List.of(nativeLz4, http)) {
                c.insert("compressed", new java.io.ByteArrayInputStream(csv(20_000)), ClickHouseFormat.CSV).get().close();
                try (QueryResponse response = c.query("SELECT count() AS n, sum(id) AS total FROM compressed").get()) {
                    ClickHouseBinaryFormatReader reader = c.newBinaryFormatReader(response);
                    reader.next();
                    assertThat(reader.getLong("n")).isPositive();
                }
            }
        }
        assertThat(count("compressed")).isEqualTo(40_000);
    }

    @Test
    void uncompressedResponsesWork() throws Exception {
        try (Client plain = server.clientBuilder().compressServerResponse(false).build()) {
            assertThat(plain.queryAll("SELECT sum(number) AS s FROM numbers(1000)").get(0).getLong("s"))
                    .isEqualTo(499_500);
        }
    }

    @Test
    void defaultUserWithoutPasswordIsAcceptedByAServerWithoutOne() throws Exception {
        try (LocalClickHouse open = LocalClickHouse.start("");
             Client anonymous = new Client.Builder().addEndpoint(open.url() + "/").setUsername("default")
                     .setPassword("").build()) {
            assertThat(anonymous.queryAll("SELECT currentUser() AS u").get(0).getString("u")).isEqualTo("default");
            // 143 = 128 + SIGTERM: the JVM's exit code after a signal-initiated, hook-run shutdown.
            assertThat(open.stop()).as("exit code after SIGTERM").isEqualTo(143);
            assertThat(open.log()).contains("Stopped");
        }
    }

    private static void insertCsv(String table, String csv, InsertSettings settings) throws Exception {
        client.insert(table, new java.io.ByteArrayInputStream(csv.getBytes(StandardCharsets.UTF_8)),
                ClickHouseFormat.CSV, settings).get().close();
    }

    private static byte[] csv(int rows) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < rows; i++) {
            out.writeBytes((i + ",\"row " + i + "\"\n").getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    static long count(String table) {
        return client.queryAll("SELECT count() AS n FROM " + table).get(0).getLong("n");
    }
}
