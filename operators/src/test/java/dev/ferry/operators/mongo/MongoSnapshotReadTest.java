package dev.ferry.operators.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.ClientSessionOptions;
import com.mongodb.client.ClientSession;
import com.mongodb.client.MongoCollection;
import dev.ferry.operators.load.LoadPlanner.Plan;
import dev.ferry.state.record.ChangeRecord;
import dev.ferry.state.record.SnapshotUnitDone;
import dev.ferry.state.spec.PipeSpecParser;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.flink.connector.base.source.reader.splitreader.SplitsAddition;
import org.bson.BsonBinary;
import org.bson.BsonBoolean;
import org.bson.BsonDateTime;
import org.bson.BsonDecimal128;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonMaxKey;
import org.bson.BsonMinKey;
import org.bson.BsonNull;
import org.bson.BsonObjectId;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The initial load's plan and reads against mongo-java-server: a collection with every kind of
 * {@code _id} is cut into ranges per type, and reading every partition (some interrupted and resumed
 * from a checkpointed position) yields each document exactly once, as the collection holds it.
 */
class MongoSnapshotReadTest {
    private static final int ROWS_PER_PARTITION = 4_000;
    private static MongoTestServer mongo;
    private static Map<String, String> expected;

    @BeforeAll
    static void fill() {
        mongo = MongoTestServer.replicaSet();
        MongoCollection<BsonDocument> c = mongo.client().getDatabase("app").getCollection("mixed", BsonDocument.class);
        Random random = new Random(7);
        List<BsonValue> ids = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            ids.add(new BsonObjectId(new ObjectId(new java.util.Date(1_600_000_000_000L + i * 60_000L), random.nextInt(1 << 24))));
        }
        for (int i = 0; i < 12_000; i++) {
            ids.add(switch (i % 4) {
                case 0 -> new BsonInt32(i - 6_000);
                case 1 -> new BsonInt64(1_000_000_000_000L + i);
                case 2 -> new BsonDouble(i + 0.5);
                default -> new BsonDecimal128(new Decimal128(new java.math.BigDecimal(i).movePointLeft(2).add(
                        java.math.BigDecimal.valueOf(50_000))));
            });
        }
        for (int i = 0; i < 9_000; i++) {
            ids.add(new BsonString("user-" + Integer.toString(random.nextInt(1 << 30), 36) + "-" + i));
        }
        for (int i = 0; i < 5_000; i++) {
            ids.add(new BsonDateTime(1_500_000_000_000L + i * 1_000L));
        }
        for (int i = 0; i < 500; i++) {
            ids.add(new BsonDocument("tenant", new BsonInt32(i % 7)).append("n", new BsonInt32(i)));
            ids.add(new BsonBinary(new byte[] {(byte) (i >> 8), (byte) i, 1}));
            ids.add(new BsonTimestamp(1000 + i, i));
        }
        ids.addAll(List.of(BsonNull.VALUE, BsonBoolean.TRUE, BsonBoolean.FALSE, new BsonMinKey(), new BsonMaxKey()));
        expected = new HashMap<>();
        List<BsonDocument> batch = new ArrayList<>();
        for (BsonValue id : ids) {
            BsonDocument d = new BsonDocument("_id", id).append("n", new BsonInt32(random.nextInt()))
                    .append("when", new BsonDateTime(random.nextLong() % 4_000_000_000_000L))
                    .append("price", new BsonDecimal128(Decimal128.parse(random.nextInt(100_000) + ".25")));
            batch.add(d);
            expected.put(MongoIdText.of(id), MongoDocumentMapper.json(d));
            if (batch.size() == 5_000) {
                c.insertMany(batch);
                batch.clear();
            }
        }
        c.insertMany(batch);
    }

    @AfterAll
    static void stop() {
        mongo.close();
    }

    @Test
    void everyDocumentIsReadExactlyOnceAcrossPartitionsOfEveryType() throws Exception {
        List<MongoIdPartition> partitions = plan().partitions();
        assertThat(partitions).extracting(MongoIdPartition::bracket).contains(MongoIdBracket.OBJECT_ID, MongoIdBracket.NUMBER,
                MongoIdBracket.STRING, MongoIdBracket.DATE, MongoIdBracket.OBJECT, MongoIdBracket.BINARY,
                MongoIdBracket.TIMESTAMP, MongoIdBracket.NULL, MongoIdBracket.BOOLEAN, MongoIdBracket.MIN_KEY,
                MongoIdBracket.MAX_KEY);
        // 20,000 ObjectIds in ~5 ranges, 12,000 numbers in ~3, 9,000 strings in ~3 (sampled), 5,000 dates in 2.
        assertThat(partitions.stream().filter(p -> p.bracket() == MongoIdBracket.OBJECT_ID)).hasSize(5);
        assertThat(partitions.stream().filter(p -> p.bracket() == MongoIdBracket.NUMBER)).hasSize(3);
        assertThat(partitions.stream().filter(p -> p.bracket() == MongoIdBracket.STRING)).hasSizeBetween(2, 3);
        assertThat(partitions.stream().filter(p -> p.bracket() == MongoIdBracket.DATE)).hasSize(2);

        Map<String, String> read = new HashMap<>();
        List<String> duplicates = new ArrayList<>();
        int markers = 0;
        for (MongoIdPartition p : partitions) {
            // Every other partition is interrupted after 700 documents and continued from its checkpointed position.
            List<MongoSnapshotRow> rows = p.index() % 2 == 0 ? readAll(p) : readResumed(p, 700);
            for (MongoSnapshotRow row : rows) {
                ChangeRecord r = row.record();
                if (r.kind() == ChangeRecord.Kind.MARKER) {
                    markers++;
                    assertThat(((SnapshotUnitDone) r.marker()).unitId()).isEqualTo(p.splitId());
                    continue;
                }
                assertThat(r.kind()).isEqualTo(ChangeRecord.Kind.SNAPSHOT);
                assertThat(r.version()).isEqualTo(MongoVersions.snapshot(p.loadStartTime()));
                if (read.put((String) r.values()[0], (String) r.values()[1]) != null) {
                    duplicates.add((String) r.values()[0]);
                }
            }
        }
        assertThat(markers).isEqualTo(partitions.size());
        assertThat(duplicates).isEmpty();
        assertThat(read).hasSameSizeAs(expected);
        assertThat(read).isEqualTo(expected);
    }

    @Test
    void excludedFieldsAreLeftOutOfEveryDocument() throws Exception {
        MongoIdPartition p = plan().partitions().get(0);
        Map<String, String> read = new HashMap<>();
        for (MongoSnapshotRow row : readAll(p, Map.of("mixed", List.of("price", "when")))) {
            if (row.record().kind() == ChangeRecord.Kind.SNAPSHOT) {
                read.put((String) row.record().values()[0], (String) row.record().values()[1]);
            }
        }
        assertThat(read).isNotEmpty();
        read.forEach((id, doc) -> {
            BsonDocument full = BsonDocument.parse(expected.get(id));
            full.remove("price");
            full.remove("when");
            assertThat(doc).isEqualTo(MongoDocumentMapper.json(full));
        });
    }

    private static Plan<MongoIdPartition> plan() {
        try (ClientSession session = mongo.client().startSession(ClientSessionOptions.builder().causallyConsistent(true).build())) {
            return MongoPartitionPlanner.plan(mongo.client().getDatabase("app").getCollection("mixed", BsonDocument.class),
                    session, "mixed", ROWS_PER_PARTITION, new BsonTimestamp(1_800_000_000, 1).getValue());
        }
    }

    private static List<MongoSnapshotRow> readAll(MongoIdPartition p) throws Exception {
        return readAll(p, Map.of());
    }

    private static List<MongoSnapshotRow> readAll(MongoIdPartition p, Map<String, List<String>> excluded) throws Exception {
        try (MongoPartitionReader reader = reader(excluded)) {
            reader.handleSplitsChanges(new SplitsAddition<>(List.of(p)));
            return MongoSplitReaders.drain(reader, Integer.MAX_VALUE, 60_000);
        }
    }

    /** Reads {@code first} documents, keeps the position a checkpoint would, and reads the rest in a new reader. */
    private static List<MongoSnapshotRow> readResumed(MongoIdPartition p, int first) throws Exception {
        List<MongoSnapshotRow> all = new ArrayList<>(readAll(p));
        if (all.size() <= first + 1) {
            return all;
        }
        MongoPartitionProgress progress = new MongoPartitionProgress(p);
        List<MongoSnapshotRow> head = all.subList(0, first);
        head.forEach(r -> progress.emitted(r.id()));
        MongoIdPartition resumed = progress.toSplit();
        assertThat(resumed.rowsBefore()).isEqualTo(first);
        List<MongoSnapshotRow> out = new ArrayList<>(head);
        out.addAll(readAll(resumed));
        assertThat(out).hasSize(all.size());
        return out;
    }

    private static MongoPartitionReader reader(Map<String, List<String>> excluded) {
        return new MongoPartitionReader("test", new MongoConnections("test", PipeSpecParser.parse("name: t\n"
                + mongo.sourceYaml("app") + "destination: {url: 'http://h:8123', database: d}\ntables: [mixed]\n",
                Map.of()).source()), excluded);
    }
}
