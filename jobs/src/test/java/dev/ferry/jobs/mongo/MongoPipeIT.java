package dev.ferry.jobs.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.clickhouse.client.api.query.GenericRecord;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import dev.ferry.jobs.FerryCli;
import dev.ferry.jobs.PipeEnvironment;
import dev.ferry.jobs.PipeRuns;
import dev.ferry.jobs.local.EmbeddedFlink;
import dev.ferry.operators.PipeSetupException;
import dev.ferry.operators.clickhouse.ClickHouseStatusTables;
import dev.ferry.operators.mongo.MongoTestServer;
import dev.ferry.state.lifecycle.PipeRun;
import dev.ferry.state.lifecycle.PipeState;
import dev.ferry.state.record.ChangeVersions;
import dev.ferry.state.schema.TableSchema;
import dev.ferry.state.spec.PipeSpec;
import dev.ferry.state.spec.PipeSpecParser;
import dev.ferry.testing.ClickHouseTestDatabase;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.bson.BsonBinary;
import org.bson.BsonDateTime;
import org.bson.BsonDecimal128;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonObjectId;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * MongoDB pipes end to end on Flink's MiniCluster, reading mongo-java-server (behind the replica-set
 * shim of {@link MongoTestServer}) and writing the local ClickHouse. Changes are inserts and deletes:
 * the fake's update and replace events are not MongoDB's (their mapping is tested on documented event
 * shapes in MongoChangeEventMapperTest).
 */
class MongoPipeIT {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setConfiguration(slots(8)).setNumberTaskManagers(1).setNumberSlotsPerTaskManager(8).build());
    private static final Duration MINUTE = Duration.ofMinutes(1);

    private MongoTestServer mongo;
    private ClickHouseTestDatabase ch;

    @BeforeEach
    void servers() {
        mongo = MongoTestServer.replicaSet();
        ch = new ClickHouseTestDatabase("mongo");
    }

    @AfterEach
    void stop() {
        ch.close();
        mongo.close();
    }

    /**
     * 20,000 documents with every common kind of _id, loaded in _id ranges by parallel readers while
     * inserts and deletes stream in; the JSON column ends equal to the collection, less the field
     * {@code meta} the table excludes.
     */
    @Test
    void loadsMixedIdsInParallelWhileChangesStream(@InjectMiniCluster MiniCluster cluster) throws Exception {
        MongoCollection<BsonDocument> events = collection("events");
        insert(events, mixedDocuments(20_000, 1));
        PipeSpec spec = spec("mongo_mixed", "[{source: events, exclude_columns: meta, partition_by: 'cityHash64(_id) % 4'}]",
                "{snapshot_num_rows_per_partition: 2500, initial_load_parallelism: 2, sync_interval_seconds: 1}",
                "doc_column_type: json");
        MongoPipeStart start = MongoPipeSetup.run(spec);
        assertThat(start.collections().get(0).columns().get(1).type().isJsonObject()).isTrue();
        assertThat(ch.query("SELECT partition_key FROM system.tables WHERE database = '" + ch.name() + "' AND name = 'events'")
                .get(0).getString(1)).isEqualTo("cityHash64(_id) % 4");
        JobID job = submit(cluster, spec, start, null);
        try {
            insert(events, mixedDocuments(500, 2)); // while the load runs
            events.deleteMany(Filters.type("_id", "string"));
            awaitState(spec, PipeState.RUNNING);
            insert(events, mixedDocuments(300, 3));
            events.deleteMany(Filters.and(Filters.type("_id", "number"), Filters.lt("_id", 0)));
            awaitEqual(mongo, ch, "events", start.collections().get(0), List.of("meta"));
            List<GenericRecord> progress = ch.query("SELECT partitions_done, partitions_total, rows_snapshotted FROM `"
                    + ch.statusDatabase() + "`.table_progress FINAL WHERE pipe = 'mongo_mixed'");
            assertThat(progress.get(0).getLong(1)).isEqualTo(progress.get(0).getLong(2)).isGreaterThan(8);
            // Tombstones carry change versions; documents no change touched keep their snapshot version.
            GenericRecord versions = ch.query("SELECT toString(minIf(_version, _is_deleted = 1)),"
                    + " countIf(_is_deleted = 0 AND _version < " + Long.toUnsignedString(ChangeVersions.CHANGE_BIT) + ")"
                    + " FROM `" + ch.name() + "`.events").get(0);
            assertThat(ChangeVersions.isChange(Long.parseUnsignedLong(versions.getString(1)))).isTrue();
            assertThat(versions.getLong(2)).isGreaterThan(10_000);
            assertThat(ch.count("SELECT uniqExact(_partition_id) FROM `" + ch.name() + "`.events")).isEqualTo(4);
        } finally {
            cluster.cancelJob(job).get(1, TimeUnit.MINUTES);
        }
    }

    /**
     * Pause and resume by savepoint: changes made while the job is stopped are read from each
     * collection's checkpointed resume token (Setup's later start time does not apply to them).
     */
    @Test
    void resumesFromTheSavepointsTokens(@InjectMiniCluster MiniCluster cluster, @TempDir Path savepoints)
            throws Exception {
        MongoCollection<BsonDocument> a = collection("a");
        MongoCollection<BsonDocument> b = collection("b");
        insert(a, mixedDocuments(2_000, 4));
        insert(b, mixedDocuments(1_000, 5));
        PipeSpec spec = spec("mongo_resume", "[a, {source: b, target: b_copy}]", "{sync_interval_seconds: 1}",
                "doc_column_type: string");
        MongoPipeStart start = MongoPipeSetup.run(spec);
        JobID job = submit(cluster, spec, start, null);
        awaitState(spec, PipeState.RUNNING);
        insert(a, mixedDocuments(100, 6));
        awaitEqual("a", start.collections().get(0));
        String savepoint = EmbeddedFlink.stopWithSavepoint(cluster, job, savepoints.toUri().toString());

        insert(a, mixedDocuments(200, 7));
        a.deleteMany(Filters.type("_id", "objectId"));
        b.deleteMany(Filters.type("_id", "date"));
        insert(b, mixedDocuments(50, 8));

        MongoPipeStart resumed = MongoPipeSetup.prepare(spec, false);
        assertThat(resumed.startAt()).isGreaterThan(start.startAt());
        JobID again = submit(cluster, spec, resumed, savepoint);
        try {
            awaitEqual("a", resumed.collections().get(0));
            awaitEqual("b", resumed.collections().get(1));
            assertThat(ch.count("SELECT count() FROM `" + ch.statusDatabase() + "`.pipe_states WHERE pipe = 'mongo_resume'"
                    + " AND state = 'Snapshot'")).as("the load is not run again").isEqualTo(1);
        } finally {
            cluster.cancelJob(again).get(1, TimeUnit.MINUTES);
        }
    }

    /** Dropping a collection ends its change stream: the pipe fails with the reason instead of idling. */
    @Test
    void aDroppedCollectionFailsThePipe(@InjectMiniCluster MiniCluster cluster) throws Exception {
        MongoCollection<BsonDocument> gone = collection("gone");
        insert(gone, mixedDocuments(100, 9));
        PipeSpec spec = spec("mongo_drop", "[gone]", "{sync_interval_seconds: 1}", "");
        MongoPipeStart start = MongoPipeSetup.run(spec);
        JobID job = submit(cluster, spec, start, null);
        awaitState(spec, PipeState.RUNNING);
        gone.drop();
        Throwable failure = cluster.requestJobResult(job).get(3, TimeUnit.MINUTES).getSerializedThrowable()
                .map(t -> t.deserializeError(getClass().getClassLoader())).orElse(null);
        assertThat(failure).isNotNull();
        StringBuilder messages = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            messages.append(t.getMessage()).append(" | ");
        }
        assertThat(messages).contains("collection app.gone was dropped; its changes can no longer be followed");
    }

    /** A snapshot-only pipe of awkward documents ends Completed with every document as the collection has it. */
    @Test
    void snapshotOnlyPipeCompletesWithAwkwardDocuments(@InjectMiniCluster MiniCluster cluster) throws Exception {
        MongoCollection<BsonDocument> odd = collection("odd");
        odd.insertMany(List.of(
                BsonDocument.parse("{_id: 'dots', 'a.b': 1, a: {b: 2}, '': 'empty key', 'dollar$': true}"),
                BsonDocument.parse("{_id: '5', n: {$numberLong: '9223372036854775807'}, d: -0.0, tiny: 5e-324,"
                        + " big: 1.7976931348623157e308, nan: {$numberDouble: 'NaN'}, inf: {$numberDouble: '-Infinity'}}"),
                BsonDocument.parse("{_id: 5, old: {$date: '1903-04-05T06:07:08.009Z'}, far: {$date: {$numberLong: '253402300800000'}},"
                        + " dec: {$numberDecimal: '-1.000E+6144'}, u: 'ünïcödé \\u0000 \\ud83d\\ude00'}"),
                BsonDocument.parse("{_id: {tenant: 1, user: 'x'}, deep: {a: {b: {c: {d: [1, [2, [3, {e: null}]]]}}}}, empty: {},"
                        + " arr: [], mixed: [1, 'two', 3.5, {four: 4}, null, true]}"),
                new BsonDocument("_id", new BsonBinary((byte) 4, new byte[16])).append("bin", new BsonBinary(new byte[] {0, -1}))));
        for (String type : List.of("json", "string")) {
            PipeSpec spec = spec("mongo_odd_" + type, "[{source: odd, target: odd_" + type + "}]",
                    "{replication_mode: snapshot}", "doc_column_type: " + type);
            MongoPipeStart start = MongoPipeSetup.run(spec);
            JobID job = submit(cluster, spec, start, null);
            assertThat(cluster.requestJobResult(job).get(2, TimeUnit.MINUTES).isSuccess()).isTrue();
            awaitState(spec, PipeState.COMPLETED);
            MongoCollectionComparison.Result r = MongoCollectionComparison.compare(
                    mongo.client().getDatabase("app").getCollection("odd", RawBsonDocument.class), ch, start.collections().get(0));
            assertThat(r.differences()).as(type + ": " + r).isEmpty();
            assertThat(r.destinationRows()).isEqualTo(5);
        }
    }

    @Test
    void setupRefusesWhatCannotWorkInOneLine() {
        collection("present").insertOne(new BsonDocument("_id", new BsonInt32(1)));
        assertThatThrownBy(() -> MongoPipeSetup.run(spec("mongo_bad", "[present, absent]", "{}", "")))
                .isInstanceOf(PipeSetupException.class)
                .hasMessage("collection app.absent does not exist");
        try (MongoTestServer standalone = MongoTestServer.standalone()) {
            PipeSpec spec = PipeSpecParser.parse("name: mongo_standalone\n" + standalone.sourceYaml("app")
                    + ch.destinationYaml() + "tables: [present]\n", Map.of());
            assertThatThrownBy(() -> MongoPipeSetup.run(spec)).isInstanceOf(PipeSetupException.class)
                    .hasMessageContaining("is a standalone server: Ferry needs a replica set or a sharded cluster")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        }
        PipeSpec badUri = PipeSpecParser.parse("name: mongo_uri\nsource: {type: mongodb, uri: 'http://user:secret@h',"
                + " database: app}\n" + ch.destinationYaml() + "tables: [present]\n", Map.of());
        assertThatThrownBy(() -> MongoPipeSetup.run(badUri)).isInstanceOf(PipeSetupException.class)
                .hasMessageStartingWith("source.uri is not a MongoDB connection string: ")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("secret"));
        assertThat(ch.count("SELECT count() FROM system.tables WHERE database = '" + ch.name() + "'")).isZero();
    }

    private PipeSpec spec(String name, String tables, String settings, String destination) {
        String dest = ch.destinationYaml();
        if (!destination.isEmpty()) {
            dest = dest.replace("}\n", ", " + destination + "}\n");
        }
        return PipeSpecParser.parse("name: " + name + "\n" + mongo.sourceYaml("app") + dest + "tables: " + tables + "\n"
                + "settings: " + settings + "\n", Map.of());
    }

    /** Sets up the job graph of the pipe's first run and submits it, from a savepoint if given. */
    private static JobID submit(MiniCluster cluster, PipeSpec spec, MongoPipeStart start, String savepoint) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        PipeEnvironment.apply(env, spec);
        PipeRun run = PipeRuns.first(spec);
        MongoPipeJob.build(env, spec, start, run);
        StreamGraph graph = env.getStreamGraph();
        graph.setJobName(spec.name());
        if (savepoint != null) {
            graph.setSavepointRestoreSettings(SavepointRestoreSettings.forPath(savepoint, false));
        }
        return cluster.submitJob(graph.getJobGraph()).get(1, TimeUnit.MINUTES).getJobID();
    }

    private void awaitState(PipeSpec spec, PipeState state) throws InterruptedException {
        new FerryCli(ch).awaitState(spec.name(), state, Duration.ofMinutes(2));
    }

    /** Polls until the table equals the collection: changes take a sync interval or two to land. */
    private void awaitEqual(String collection, TableSchema table) throws Exception {
        awaitEqual(mongo, ch, collection, table);
    }

    /** Polls until the table equals collection {@code app.<collection>}: changes take a sync interval or two to land. */
    static void awaitEqual(MongoTestServer mongo, ClickHouseTestDatabase ch, String collection, TableSchema table)
            throws Exception {
        awaitEqual(mongo, ch, collection, table, List.of());
    }

    /** As above, for a table that leaves the top-level fields {@code excluded} out. */
    static void awaitEqual(MongoTestServer mongo, ClickHouseTestDatabase ch, String collection, TableSchema table,
            List<String> excluded) throws Exception {
        MongoCollection<RawBsonDocument> source = mongo.client().getDatabase("app").getCollection(collection,
                RawBsonDocument.class);
        MongoCollectionComparison.Result[] last = new MongoCollectionComparison.Result[1];
        await(() -> {
            try {
                last[0] = MongoCollectionComparison.compare(source, ch, table, excluded);
                return last[0].equal();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, MINUTE);
        assertThat(last[0].differences()).as(last[0].toString()).isEmpty();
    }

    private static void await(BooleanSupplier done, Duration timeout) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        while (!done.getAsBoolean() && System.currentTimeMillis() < deadline) {
            Thread.sleep(300);
        }
    }

    private MongoCollection<BsonDocument> collection(String name) {
        return mongo.client().getDatabase("app").getCollection(name, BsonDocument.class);
    }

    static void insert(MongoCollection<BsonDocument> c, List<BsonDocument> docs) {
        for (int from = 0; from < docs.size(); from += 5_000) {
            c.insertMany(docs.subList(from, Math.min(docs.size(), from + 5_000)));
        }
    }

    /** Documents whose _ids are ObjectIds, numbers of every type, strings and dates; {@code seed} keeps batches apart. */
    static List<BsonDocument> mixedDocuments(int n, int seed) {
        Random random = new Random(seed);
        List<BsonDocument> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long unique = (long) seed * 10_000_000 + i;
            BsonValue id = switch (i % 8) {
                case 0, 1, 2 -> new BsonObjectId(new ObjectId(new Date(1_600_000_000_000L + unique * 1000), random.nextInt(1 << 24)));
                case 3 -> new BsonInt32((int) (unique % 2 == 0 ? unique : -unique));
                case 4 -> new BsonInt64(unique * 1_000_003L);
                case 5 -> new BsonDouble(unique + 0.25);
                case 6 -> new BsonString("k-" + Long.toString(unique, 36));
                default -> new BsonDateTime(unique * 7_919L);
            };
            out.add(new BsonDocument("_id", id)
                    .append("seq", new BsonInt32(i))
                    .append("amount", new BsonDecimal128(new Decimal128(BigDecimal.valueOf(random.nextInt(1_000_000), 2))))
                    .append("tags", new org.bson.BsonArray(List.of(new BsonString("t" + (i % 5)), new BsonInt32(i % 3))))
                    .append("meta", new BsonDocument("source", new BsonString(i % 2 == 0 ? "web" : "app"))
                            .append("at", new BsonDateTime(1_700_000_000_000L + random.nextInt(1_000_000)))));
        }
        return out;
    }

    private static Configuration slots(int n) {
        Configuration conf = new Configuration();
        conf.set(TaskManagerOptions.NUM_TASK_SLOTS, n);
        return conf;
    }
}
