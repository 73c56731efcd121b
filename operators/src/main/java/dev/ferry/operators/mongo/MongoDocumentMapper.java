package dev.ferry.operators.mongo;

import dev.ferry.state.schema.ColumnSchema;
import dev.ferry.state.schema.ColumnType;
import dev.ferry.state.schema.TableSchema;
import dev.ferry.state.spec.PipeSpec;
import dev.ferry.state.spec.TableSpec;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;

/**
 * The ClickHouse row a MongoDB document becomes: {@code _id} in its canonical text
 * ({@link MongoIdText}) and {@code doc}, the whole document as MongoDB's relaxed Extended JSON (v2).
 *
 * <p>Relaxed Extended JSON keeps every BSON type recognisable while plain values stay plain: strings,
 * booleans, nulls, 32- and 64-bit integers and finite doubles are JSON values ({@code 1.0} keeps its
 * point, so a double stays apart from an integer; int and long are not told apart); the other types
 * are tagged objects: {@code {"$oid": "..."}}, {@code {"$date": "2024-05-01T12:00:00.123Z"}} (ISO-8601
 * for years 1970 to 9999, else {@code {"$date": {"$numberLong": "<ms>"}}}),
 * {@code {"$numberDecimal": "12.50"}} (exact, trailing zeros kept), {@code {"$binary": {"base64":
 * "...", "subType": "04"}}}, {@code {"$numberDouble": "NaN"}}, {@code {"$timestamp": {"t": .., "i":
 * ..}}}, {@code {"$regularExpression": ...}}, {@code {"$minKey": 1}}. Field order is the document's.
 * The initial load and the change stream render the same stored document to the same text. Top-level
 * fields a table excludes are left out of {@code doc} (and not fetched by the initial load).
 */
public final class MongoDocumentMapper {
    public static final String ID = "_id";
    public static final String DOC = "doc";

    private static final JsonWriterSettings RELAXED = JsonWriterSettings.builder().outputMode(JsonMode.RELAXED).build();

    private MongoDocumentMapper() {}

    /** The destination table of a collection: {@code _id} (the key) and {@code doc}. */
    public static TableSchema schema(TableSpec collection, boolean docAsJsonObject) {
        return new TableSchema(collection.sourceId(), collection.target(), List.of(
                new ColumnSchema(ID, ColumnType.of(ColumnType.Kind.STRING), false, "any BSON type but array, regex, undefined"),
                new ColumnSchema(DOC, docAsJsonObject ? ColumnType.jsonObject() : ColumnType.of(ColumnType.Kind.JSON), false,
                        "document")),
                List.of(ID));
    }

    /** The values of a document's row, in {@link #schema} order, without the {@code excluded} top-level fields. */
    public static Object[] row(BsonDocument document, List<String> excluded) {
        BsonValue id = document.get(ID);
        if (id == null) {
            throw new IllegalArgumentException("a document without _id");
        }
        BsonDocument kept = document;
        if (!excluded.isEmpty()) {
            kept = new BsonDocument();
            for (var field : document.entrySet()) {
                if (!excluded.contains(field.getKey())) {
                    kept.put(field.getKey(), field.getValue());
                }
            }
        }
        return new Object[] {MongoIdText.of(id), json(kept)};
    }

    /** Per collection, the top-level fields its table leaves out ({@code exclude_columns}). */
    public static Map<String, List<String>> excludedFields(PipeSpec spec) {
        Map<String, List<String>> excluded = new HashMap<>();
        spec.tables().forEach(t -> excluded.put(t.sourceId(), t.excludedColumns()));
        return excluded;
    }

    /** A deleted document's row: only the key (the writer fills the rest with defaults). */
    public static Object[] key(BsonValue id) {
        return new Object[] {MongoIdText.of(id), null};
    }

    public static String json(BsonDocument document) {
        return document.toJson(RELAXED);
    }
}
