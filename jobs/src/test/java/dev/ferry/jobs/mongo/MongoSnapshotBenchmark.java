package dev.ferry.jobs.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.insert.InsertSettings;
import com.clickhouse.client.api.query.GenericRecord;
import com.clickhouse.data.ClickHouseFormat;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoCursor;
import dev.ferry.jobs.PipeEnvironment;
import dev.ferry.jobs.PipeRuns;
import dev.ferry.jobs.local.EmbeddedFlink;
import dev.ferry.operators.clickhouse.ClickHouseConnections;
import dev.ferry.operators.clickhouse.ClickHouseTableDdl;
import dev.ferry.operators.mongo.MongoDocumentMapper;
import dev.ferry.operators.mongo.MongoTestServer;
import dev.ferry.state.spec.PipeSpec;
import dev.ferry.state.spec.PipeSpecParser;
import dev.ferry.state.spec.TableSpec;
import dev.ferry.testing.LocalServers;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.bson.BsonBoolean;
import org.bson.BsonDateTime;
import org.bson.BsonDecimal128;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonNull;
import org.bson.BsonObjectId;
import org.bson.BsonString;
import org.bson.RawBsonDocument;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * {@code bench/mongo-snapshot.sh}: the initial load of a collection of {@code ferry.bench.mongo.docs}
 * documents against the same documents exported by a plain driver {@code find()} loop written to
 * ClickHouse (one thread, RowBinary batches of 100,000, the same table), both reading the same
 * mongo-java-server: there is no mongod here, so the fake's speed bounds both. Results go to
 * {@code ferry.bench.out}.
 */
@EnabledIfSystemProperty(named = "ferry.bench.mongo.docs", matches = "\\d+")
class MongoSnapshotBenchmark {
    private static final String DATABASE = "bench_mongo";
    private static final String STATUS_DATABASE = "bench_mongo_status";
    private static final JsonWriterSettings RELAXED = JsonWriterSettings.builder().outputMode(JsonMode.RELAXED).build();

    @Test
    void snapshotAgainstAFindLoop() throws Exception {
        int docs = Integer.parseInt(System.getProperty("ferry.bench.mongo.docs"));
        List<String> out = new ArrayList<>();
        // Fixed names, apart from the test databases' pattern: a test JVM starting meanwhile drops those as leftovers.
        LocalServers.runScript(Map.of(), "deploy/local/clickhouse.sh", "start");
        try (MongoTestServer mongo = MongoTestServer.replicaSetWithoutChangeStreams();
                Client ch = new Client.Builder().addEndpoint(LocalServers.clickhouseUrl()).setUsername("default")
                        .setPassword("").build()) {
            for (String db : List.of(DATABASE, STATUS_DATABASE)) {
                ClickHouseConnections.execute(ch, "DROP DATABASE IF EXISTS " + db);
            }
            MongoCollection<BsonDocument> events = mongo.client().getDatabase("app").getCollection("events", BsonDocument.class);
            long fillStart = System.nanoTime();
            fill(events, docs);
            out.add(String.format("collection app.events: %,d documents (%d fields, ObjectId _id) filled in %.1f s", docs, 9,
                    seconds(fillStart)));

            ClickHouseConnections.execute(ch, ClickHouseTableDdl.createDatabase(DATABASE));
            ClickHouseConnections.execute(ch, ClickHouseTableDdl.createTable(DATABASE,
                    MongoDocumentMapper.schema(new TableSpec(null, "events", "events_find"), false)));
            long findStart = System.nanoTime();
            long exported = findLoop(mongo, ch);
            double findSeconds = seconds(findStart);
            out.add(String.format("find() loop -> ClickHouse: %,d documents in %.2f s = %,.0f docs/s", exported, findSeconds,
                    exported / findSeconds));

            PipeSpec spec = PipeSpecParser.parse("name: bench_mongo\n" + mongo.sourceYaml("app")
                    + "destination: {url: '" + LocalServers.clickhouseUrl() + "', database: " + DATABASE
                    + ", status_database: " + STATUS_DATABASE + ", doc_column_type: string}\n"
                    + "tables: [events]\nsettings: {replication_mode: snapshot}\n", Map.of());
            long ferryStart = System.nanoTime();
            MongoPipeStart start = MongoPipeSetup.run(spec);
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            PipeEnvironment.apply(env, spec);
            int slots = MongoPipeJob.build(env, spec, start, PipeRuns.first(spec));
            try (EmbeddedFlink flink = EmbeddedFlink.start(slots, 0)) {
                JobID job = flink.submit(env.getStreamGraph());
                assertThat(flink.result(job).isSuccess()).isTrue();
            }
            double ferrySeconds = seconds(ferryStart);
            GenericRecord load = ch.queryAll("SELECT toUnixTimestamp64Milli(maxIf(at, state = 'Completed'))"
                    + " - toUnixTimestamp64Milli(maxIf(at, state = 'Snapshot')) FROM " + STATUS_DATABASE
                    + ".pipe_states WHERE pipe = 'bench_mongo'").get(0);
            double loadSeconds = load.getLong(1) / 1000.0;
            out.add(String.format("Ferry, Snapshot -> Completed (all rows durable): %,d documents in %.2f s = %,.0f docs/s",
                    docs, loadSeconds, docs / loadSeconds));
            out.add(String.format("Ferry, whole run (setup, embedded Flink start, load): %.2f s = %,.0f docs/s", ferrySeconds,
                    docs / ferrySeconds));
            out.add(String.format("ratio Ferry / find() loop: %.2f", (docs / loadSeconds) / (exported / findSeconds)));

            String same = "SELECT count(), sum(cityHash64(_id, doc)) FROM " + DATABASE + ".%s FINAL WHERE _is_deleted = 0";
            GenericRecord ferryRows = ch.queryAll(String.format(same, "events")).get(0);
            GenericRecord findRows = ch.queryAll(String.format(same, "events_find")).get(0);
            assertThat(ferryRows.getLong(1)).isEqualTo(docs);
            assertThat(ferryRows.getString(2)).isEqualTo(findRows.getString(2));
            out.add("both tables hold the same " + docs + " rows (count and sum of cityHash64(_id, doc) match)");
        }
        out.forEach(System.out::println);
        Files.write(Path.of(System.getProperty("ferry.bench.out", "target/mongo-snapshot-bench.txt")), out);
    }

    /** Documents like the Postgres benchmark's rows: numbers, text, a decimal, a date, a flag, a nullable note. */
    private static void fill(MongoCollection<BsonDocument> events, int docs) {
        Random random = new Random(1);
        List<BsonDocument> batch = new ArrayList<>();
        for (int i = 0; i < docs; i++) {
            batch.add(new BsonDocument("_id", new BsonObjectId(new ObjectId(new Date(1_700_000_000_000L + i * 10L), i)))
                    .append("account", new BsonInt64(i % 100_000))
                    .append("qty", new BsonInt32(random.nextInt(1_000)))
                    .append("name", new BsonString("item " + i))
                    .append("price", new BsonDecimal128(new Decimal128(BigDecimal.valueOf(random.nextInt(10_000_000), 2))))
                    .append("score", new BsonDouble(random.nextDouble()))
                    .append("at", new BsonDateTime(1_700_000_000_000L + random.nextInt(1_000_000_000)))
                    .append("active", BsonBoolean.valueOf(i % 3 == 0))
                    .append("note", i % 10 == 0 ? BsonNull.VALUE : new BsonString(Integer.toHexString(random.nextInt()))));
            if (batch.size() == 10_000) {
                events.insertMany(batch);
                batch.clear();
            }
        }
        if (!batch.isEmpty()) {
            events.insertMany(batch);
        }
    }

    /** The baseline: one cursor over the collection, each document's _id and relaxed JSON sent as RowBinary. */
    private static long findLoop(MongoTestServer mongo, Client ch) throws Exception {
        MongoCollection<RawBsonDocument> events = mongo.client().getDatabase("app").getCollection("events", RawBsonDocument.class);
        ByteArrayOutputStream rows = new ByteArrayOutputStream(64 << 20);
        long n = 0;
        try (MongoCursor<RawBsonDocument> cursor = events.find().batchSize(10_000).cursor()) {
            while (cursor.hasNext()) {
                RawBsonDocument d = cursor.next();
                string(rows, d.getObjectId("_id").getValue().toHexString());
                string(rows, d.toJson(RELAXED));
                rows.write(new byte[9]); // _version 0, _is_deleted 0
                if (++n % 100_000 == 0) {
                    insert(ch, rows);
                }
            }
        }
        insert(ch, rows);
        return n;
    }

    private static void insert(Client ch, ByteArrayOutputStream rows) throws Exception {
        if (rows.size() == 0) {
            return;
        }
        ch.insert(DATABASE + ".events_find", List.of("_id", "doc", "_version", "_is_deleted"),
                rows::writeTo, ClickHouseFormat.RowBinary, new InsertSettings()).get(5, TimeUnit.MINUTES).close();
        rows.reset();
    }

    private static void string(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        for (long v = b.length; ; v >>>= 7) {
            if ((v & ~0x7FL) == 0) {
                out.write((int) v);
                break;
            }
            out.write((int) ((v & 0x7F) | 0x80));
        }
        out.write(b, 0, b.length);
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
