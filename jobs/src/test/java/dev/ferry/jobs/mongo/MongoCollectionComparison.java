package dev.ferry.jobs.mongo;

import com.clickhouse.client.api.insert.InsertSettings;
import com.clickhouse.client.api.query.GenericRecord;
import com.clickhouse.data.ClickHouseFormat;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.MongoCollection;
import dev.ferry.operators.clickhouse.ClickHouseTypes;
import dev.ferry.operators.mongo.MongoIdText;
import dev.ferry.state.schema.TableSchema;
import dev.ferry.testing.ClickHouseTestDatabase;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bson.RawBsonDocument;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;

/**
 * Compares a MongoDB collection with its ClickHouse table document by document: each document's
 * relaxed Extended JSON (rendered here by the driver) against the {@code doc} of the row with its
 * {@code _id} in {@code FINAL WHERE _is_deleted = 0}. A JSON column normalizes what it stores (keys
 * sorted, nulls dropped, types inferred), so for one the expected texts are first put through an
 * identical column on the same server, and the two columns' texts are compared.
 */
final class MongoCollectionComparison {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonWriterSettings RELAXED = JsonWriterSettings.builder().outputMode(JsonMode.RELAXED).build();

    /** The outcome: documents on each side and what differs (empty when equal). */
    record Result(long sourceDocuments, long destinationRows, List<String> differences) {
        boolean equal() {
            return differences.isEmpty();
        }

        @Override
        public String toString() {
            return sourceDocuments + " documents, " + destinationRows + " rows" + (equal() ? ", equal" : ", " + differences);
        }
    }

    private MongoCollectionComparison() {}

    static Result compare(MongoCollection<RawBsonDocument> collection, ClickHouseTestDatabase ch, TableSchema table)
            throws Exception {
        return compare(collection, ch, table, List.of());
    }

    /** As {@link #compare}, for a table that leaves the top-level fields {@code excluded} out. */
    static Result compare(MongoCollection<RawBsonDocument> collection, ClickHouseTestDatabase ch, TableSchema table,
            List<String> excluded) throws Exception {
        Map<String, String> source = new HashMap<>();
        for (RawBsonDocument d : collection.find()) {
            org.bson.BsonDocument kept = new org.bson.BsonDocument();
            d.forEach((field, value) -> {
                if (!excluded.contains(field)) {
                    kept.put(field, value);
                }
            });
            source.put(MongoIdText.of(d.get("_id")), kept.toJson(RELAXED));
        }
        Map<String, String> expected = table.columns().get(1).type().isJsonObject()
                ? throughJsonColumn(ch, table.target(), source) : source;
        Map<String, String> actual = new HashMap<>();
        List<String> differences = new ArrayList<>();
        for (GenericRecord r : ch.query("SELECT _id, toString(doc) FROM `" + ch.name() + "`.`" + table.target()
                + "` FINAL WHERE _is_deleted = 0")) {
            if (actual.put(r.getString(1), r.getString(2)) != null) {
                differences.add("duplicate row " + r.getString(1));
            }
        }
        for (Map.Entry<String, String> e : expected.entrySet()) {
            String got = actual.get(e.getKey());
            if (got == null) {
                differences.add("missing " + e.getKey());
            } else if (!got.equals(e.getValue())) {
                differences.add(e.getKey() + " is " + got + ", expected " + e.getValue());
            }
        }
        actual.keySet().stream().filter(k -> !expected.containsKey(k)).forEach(k -> differences.add("extra " + k));
        return new Result(expected.size(), actual.size(), differences.size() > 5 ? differences.subList(0, 5) : differences);
    }

    /** The texts a JSON column gives back for the expected documents: inserted as JSONEachRow objects. */
    private static Map<String, String> throughJsonColumn(ClickHouseTestDatabase ch, String target, Map<String, String> docs)
            throws Exception {
        String table = "`" + ch.name() + "`.`" + target + "_expected`";
        ch.execute("DROP TABLE IF EXISTS " + table);
        ch.execute("CREATE TABLE " + table + " (_id String, doc JSON) ENGINE = MergeTree ORDER BY _id");
        StringBuilder rows = new StringBuilder();
        for (Map.Entry<String, String> d : docs.entrySet()) {
            rows.append("{\"_id\":").append(JSON.writeValueAsString(d.getKey())).append(",\"doc\":").append(d.getValue())
                    .append("}\n");
        }
        InsertSettings settings = new InsertSettings();
        ClickHouseTypes.JSON_OBJECT_SETTINGS.forEach(settings::serverSetting);
        ch.client().insert(table, new ByteArrayInputStream(rows.toString().getBytes(StandardCharsets.UTF_8)),
                ClickHouseFormat.JSONEachRow, settings).get(5, TimeUnit.MINUTES).close();
        Map<String, String> out = new HashMap<>();
        for (GenericRecord r : ch.query("SELECT _id, toString(doc) FROM " + table)) {
            out.put(r.getString(1), r.getString(2));
        }
        ch.execute("DROP TABLE " + table);
        return out;
    }
}
