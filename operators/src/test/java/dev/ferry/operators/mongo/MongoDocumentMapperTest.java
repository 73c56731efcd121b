package dev.ferry.operators.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.state.schema.ColumnType;
import dev.ferry.state.schema.TableSchema;
import dev.ferry.state.spec.TableSpec;
import java.util.UUID;
import java.util.List;
import org.bson.BsonBinary;
import org.bson.BsonDocument;
import org.bson.RawBsonDocument;
import org.bson.UuidRepresentation;
import org.junit.jupiter.api.Test;

class MongoDocumentMapperTest {

    /** Relaxed Extended JSON: plain values stay plain, every other type is tagged and exact. */
    @Test
    void extendedJsonKeepsTypes() {
        BsonDocument doc = BsonDocument.parse("""
                {_id: {$oid: '65f1c0ffee0000000000abcd'}, s: 'x', i: 1, l: {$numberLong: '9007199254740993'},
                 d: 1.0, half: 0.5, nan: {$numberDouble: 'NaN'}, dec: {$numberDecimal: '12.50'},
                 at: {$date: '2024-05-01T12:00:00.123Z'}, old: {$date: {$numberLong: '-86400000'}},
                 bin: {$binary: {base64: 'AQID', subType: '00'}}, ts: {$timestamp: {t: 5, i: 1}}, n: null, b: true,
                 arr: [1, 'two', {three: 3}], sub: {z: 1, a: 2}, re: {$regularExpression: {pattern: '^a', options: 'i'}}}""");
        doc.put("u", new BsonBinary(UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), UuidRepresentation.STANDARD));
        assertThat(MongoDocumentMapper.json(doc)).isEqualTo("{\"_id\": {\"$oid\": \"65f1c0ffee0000000000abcd\"}, \"s\": \"x\","
                + " \"i\": 1, \"l\": 9007199254740993, \"d\": 1.0, \"half\": 0.5, \"nan\": {\"$numberDouble\": \"NaN\"},"
                + " \"dec\": {\"$numberDecimal\": \"12.50\"}, \"at\": {\"$date\": \"2024-05-01T12:00:00.123Z\"},"
                + " \"old\": {\"$date\": {\"$numberLong\": \"-86400000\"}},"
                + " \"bin\": {\"$binary\": {\"base64\": \"AQID\", \"subType\": \"00\"}},"
                + " \"ts\": {\"$timestamp\": {\"t\": 5, \"i\": 1}}, \"n\": null, \"b\": true,"
                + " \"arr\": [1, \"two\", {\"three\": 3}], \"sub\": {\"z\": 1, \"a\": 2},"
                + " \"re\": {\"$regularExpression\": {\"pattern\": \"^a\", \"options\": \"i\"}},"
                + " \"u\": {\"$binary\": {\"base64\": \"oO68mZwLTvi7bWu5vTgKEQ==\", \"subType\": \"04\"}}}");
    }

    /** The load reads raw BSON, the change stream decodes events: the same document gives the same row. */
    @Test
    void rawAndDecodedDocumentsGiveTheSameRow() {
        BsonDocument doc = BsonDocument.parse("{_id: 7, a: {$numberDecimal: '1.10'}, d: {$date: '2024-01-01T00:00:00Z'},"
                + " nested: {x: [1.5, {$numberLong: '2'}]}}");
        RawBsonDocument raw = RawBsonDocument.parse(doc.toJson());
        assertThat(MongoDocumentMapper.row(raw, List.of())).containsExactly(MongoDocumentMapper.row(doc, List.of()));
        assertThat(MongoDocumentMapper.row(doc, List.of())[0]).isEqualTo("7");
        // Excluded top-level fields go; a nested field of the same name stays.
        assertThat(MongoDocumentMapper.row(raw, List.of("a", "x", "absent"))[1]).isEqualTo(
                "{\"_id\": 7, \"d\": {\"$date\": \"2024-01-01T00:00:00Z\"}, \"nested\": {\"x\": [1.5, 2]}}");
        assertThat(MongoDocumentMapper.key(raw.get("_id"))).containsExactly("7", null);
    }

    @Test
    void destinationTableIsIdAndDoc() {
        TableSchema json = MongoDocumentMapper.schema(new TableSpec(null, "events.raw", "events_raw"), true);
        assertThat(json.columnNames()).containsExactly("_id", "doc");
        assertThat(json.key()).containsExactly("_id");
        assertThat(json.target()).isEqualTo("events_raw");
        assertThat(json.columns().get(1).type()).isEqualTo(ColumnType.jsonObject());
        assertThat(ColumnType.parse(ColumnType.jsonObject().toString())).isEqualTo(ColumnType.jsonObject());
        TableSchema text = MongoDocumentMapper.schema(new TableSpec(null, "users", "users"), false);
        assertThat(text.columns().get(1).type()).isEqualTo(ColumnType.of(ColumnType.Kind.JSON));
    }
}
