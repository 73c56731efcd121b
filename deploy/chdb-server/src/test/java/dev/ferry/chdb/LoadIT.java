package dev.ferry.chdb;

import static org.assertj.core.api.Assertions.assertThat;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.data_formats.ClickHouseBinaryFormatReader;
import com.clickhouse.client.api.data_formats.RowBinaryFormatWriter;
import com.clickhouse.client.api.insert.InsertResponse;
import com.clickhouse.client.api.insert.InsertSettings;
import com.clickhouse.client.api.metadata.TableSchema;
import com.clickhouse.client.api.query.GenericRecord;
import com.clickhouse.client.api.query.QueryResponse;
import com.clickhouse.data.ClickHouseFormat;
import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Concurrency and volume through client-v2; prints the measured rates. */
@ExtendWith(LocalClickHouse.Shared.class)
@SuppressWarnings("try") // client-v2's QueryResponse.close() declares Exception
class LoadIT {
    private static final String[] ZONES = {"UTC", "Europe/Berlin", "Asia/Tokyo", "America/New_York",
        "Australia/Sydney", "Asia/Kolkata", "Africa/Cairo", "America/Sao_Paulo"};

    @Test
    void concurrentClientsEachKeepTheirDatabaseAndSettings(LocalClickHouse server) throws Exception {
        int clients = ZONES.length;
        int rounds = 25;
        try (Client admin = server.client()) {
            for (int i = 0; i < clients; i++) {
                admin.execute("CREATE DATABASE db_" + i).get().close();
                admin.execute("CREATE TABLE db_" + i + ".t (client UInt8, round UInt32) ENGINE = MergeTree ORDER BY round")
                        .get().close();
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            int me = i;
            futures.add(pool.submit(() -> {
                try (Client c = server.clientBuilder().setDefaultDatabase("db_" + me)
                        .serverSetting("max_threads", Integer.toString(me + 1))
                        .serverSetting("session_timezone", ZONES[me]).build()) {
                    go.await();
                    for (int round = 0; round < rounds; round++) {
                        GenericRecord seen = c.queryAll("SELECT currentDatabase() AS db,"
                                + " toString(getSetting('max_threads')) AS threads, timezone() AS tz,"
                                + " (SELECT count() FROM t) AS rows").get(0);
                        assertThat(seen.getString("db")).isEqualTo("db_" + me);
                        assertThat(seen.getString("threads")).isEqualTo(Integer.toString(me + 1));
                        assertThat(seen.getString("tz")).isEqualTo(ZONES[me]);
                        assertThat(seen.getLong("rows")).isEqualTo(round);
                        c.insert("t", new ByteArrayInputStream((me + "," + round + "\n").getBytes(StandardCharsets.UTF_8)),
                                ClickHouseFormat.CSV).get().close();
                    }
                }
                return null;
            }));
        }
        go.countDown();
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdown();
        try (Client admin = server.client()) {
            for (int i = 0; i < clients; i++) {
                GenericRecord r = admin.queryAll("SELECT count() AS n, min(client) AS lo, max(client) AS hi FROM db_" + i + ".t")
                        .get(0);
                assertThat(r.getLong("n")).isEqualTo(rounds);
                assertThat(r.getInteger("lo")).isEqualTo(i);
                assertThat(r.getInteger("hi")).isEqualTo(i);
            }
        }
    }

    @Test
    void millionRowsInsertOnceDespiteRetryAndReadBack(LocalClickHouse server) throws Exception {
        int rows = 1_000_000;
        try (Client client = server.client()) {
            client.execute("CREATE TABLE million (id UInt64, name String, amount Decimal(18, 2),"
                    + " ts DateTime64(3, 'UTC')) ENGINE = MergeTree ORDER BY id"
                    + " SETTINGS non_replicated_deduplication_window = 100").get().close();
            TableSchema schema = client.getTableSchema("million");
            Instant base = Instant.parse("2025-01-01T00:00:00Z");

            long written = 0;
            long insertNanos = 0;
            for (int attempt = 0; attempt < 2; attempt++) {
                long start = System.nanoTime();
                InsertResponse response = client.insert("million", out -> {
                    RowBinaryFormatWriter writer = new RowBinaryFormatWriter(out, schema, ClickHouseFormat.RowBinary);
                    for (int id = 0; id < rows; id++) {
                        writer.setLong("id", id);
                        writer.setString("name", "name-" + id + (id % 1000 == 0 ? "\n\n" : ""));
                        writer.setBigDecimal("amount", BigDecimal.valueOf(id, 2));
                        writer.setDateTime("ts", base.plusMillis(id).atZone(ZoneOffset.UTC));
                        writer.commitRow();
                    }
                }, ClickHouseFormat.RowBinary, new InsertSettings().setDeduplicationToken("million-1")).get();
                if (attempt == 0) {
                    insertNanos = System.nanoTime() - start;
                    written = response.getWrittenRows();
                }
                response.close();
            }
            assertThat(written).isEqualTo(rows);
            assertThat(count(client, "million")).as("retried insert was deduplicated").isEqualTo(rows);

            long start = System.nanoTime();
            long expectedId = 0;
            long amountCents = 0;
            try (QueryResponse response = client.query("SELECT id, name, amount, ts FROM million ORDER BY id").get()) {
                ClickHouseBinaryFormatReader reader = client.newBinaryFormatReader(response);
                while (reader.hasNext()) {
                    reader.next();
                    long id = reader.getLong("id");
                    assertThat(id).isEqualTo(expectedId);
                    if (id % 99_991 == 0) {
                        assertThat(reader.getString("name")).startsWith("name-" + id);
                        assertThat(reader.getInstant("ts")).isEqualTo(base.plusMillis(id));
                    }
                    amountCents += reader.getBigDecimal("amount").unscaledValue().longValueExact();
                    expectedId++;
                }
            }
            long selectNanos = System.nanoTime() - start;
            assertThat(expectedId).isEqualTo(rows);
            assertThat(amountCents).isEqualTo((long) rows * (rows - 1) / 2);

            long[] latencies = new long[200];
            for (int i = 0; i < latencies.length; i++) {
                long t = System.nanoTime();
                client.queryAll("SELECT 1 AS one");
                latencies[i] = System.nanoTime() - t;
            }
            Arrays.sort(latencies);
            System.out.printf("[chdb-server] insert %d rows (RowBinary via client-v2): %.2f s = %.0f rows/s%n",
                    rows, insertNanos / 1e9, rows / (insertNanos / 1e9));
            System.out.printf("[chdb-server] select %d rows (RowBinaryWithNamesAndTypes, compress=1): %.2f s = %.0f rows/s%n",
                    rows, selectNanos / 1e9, rows / (selectNanos / 1e9));
            System.out.printf("[chdb-server] SELECT 1 latency via client-v2: median %.2f ms, p95 %.2f ms%n",
                    latencies[latencies.length / 2] / 1e6, latencies[latencies.length * 95 / 100] / 1e6);
        }
    }

    private static long count(Client client, String table) {
        return client.queryAll("SELECT count() AS n FROM " + table).get(0).getLong("n");
    }
}
