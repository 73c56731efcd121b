package dev.ferry.operators.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
import org.bson.BsonSymbol;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.Test;

class MongoIdTextTest {

    @Test
    void commonIdsReadPlainly() {
        assertThat(MongoIdText.of(new BsonObjectId(new ObjectId("65f1c0ffee0000000000abcd")))).isEqualTo("65f1c0ffee0000000000abcd");
        assertThat(MongoIdText.of(new BsonString("user-17"))).isEqualTo("user-17");
        assertThat(MongoIdText.of(new BsonString(""))).isEqualTo("");
        assertThat(MongoIdText.of(new BsonString("héllo wörld"))).isEqualTo("héllo wörld");
        assertThat(MongoIdText.of(new BsonInt32(42))).isEqualTo("42");
        assertThat(MongoIdText.of(new BsonInt64(-7))).isEqualTo("-7");
    }

    /** MongoDB's unique index holds numbers equal by value, whatever their type: so does the key. */
    @Test
    void numbersAreKeyedByValue() {
        List<BsonValue> fives = List.of(new BsonInt32(5), new BsonInt64(5), new BsonDouble(5.0),
                new BsonDecimal128(Decimal128.parse("5.00")), new BsonDecimal128(Decimal128.parse("5")));
        for (BsonValue v : fives) {
            assertThat(MongoIdText.of(v)).as(v.toString()).isEqualTo("5");
        }
        assertThat(MongoIdText.of(new BsonDouble(2.5))).isEqualTo("2.5");
        assertThat(MongoIdText.of(new BsonDecimal128(Decimal128.parse("2.50")))).isEqualTo("2.5");
        assertThat(MongoIdText.of(new BsonDouble(-0.0))).isEqualTo("0");
        assertThat(MongoIdText.of(new BsonDecimal128(Decimal128.NEGATIVE_ZERO))).isEqualTo("0");
        // The double nearest 0.1 is not 0.1, and MongoDB does not hold them equal either.
        assertThat(MongoIdText.of(new BsonDouble(0.1))).isEqualTo(new BigDecimal(0.1).toPlainString());
        assertThat(MongoIdText.of(new BsonDecimal128(Decimal128.parse("0.1")))).isEqualTo("0.1");
        assertThat(MongoIdText.of(new BsonDouble(Double.NaN))).isEqualTo("NaN");
        assertThat(MongoIdText.of(new BsonDecimal128(Decimal128.NaN))).isEqualTo("NaN");
        assertThat(MongoIdText.of(new BsonDouble(Double.NEGATIVE_INFINITY))).isEqualTo("-Infinity");
        assertThat(MongoIdText.of(new BsonDouble(1e20))).isEqualTo("100000000000000000000");
        assertThat(MongoIdText.of(new BsonInt64(Long.MIN_VALUE))).isEqualTo("-9223372036854775808");
        // A string is the same _id as a symbol with its text, and never as a number.
        assertThat(MongoIdText.of(new BsonSymbol("abc"))).isEqualTo("abc");
    }

    @Test
    void stringsThatLookLikeAnotherTypeAreQuoted() {
        assertThat(MongoIdText.of(new BsonString("5"))).isEqualTo("\"5\"");
        assertThat(MongoIdText.of(new BsonString("-2.5"))).isEqualTo("\"-2.5\"");
        assertThat(MongoIdText.of(new BsonString("65f1c0ffee0000000000abcd"))).isEqualTo("\"65f1c0ffee0000000000abcd\"");
        assertThat(MongoIdText.of(new BsonString("true"))).isEqualTo("\"true\"");
        assertThat(MongoIdText.of(new BsonString("NaN"))).isEqualTo("\"NaN\"");
        assertThat(MongoIdText.of(new BsonString("{\"$oid\":1}"))).isEqualTo("\"{\\\"$oid\\\":1}\"");
        assertThat(MongoIdText.of(new BsonString("\"quoted\"\n"))).isEqualTo("\"\\\"quoted\\\"\\n\"");
        // Near misses stay plain.
        assertThat(MongoIdText.of(new BsonString("65F1C0FFEE0000000000ABCD"))).isEqualTo("65F1C0FFEE0000000000ABCD");
        assertThat(MongoIdText.of(new BsonString("2024-05-01"))).isEqualTo("2024-05-01");
        assertThat(MongoIdText.of(new BsonString("truex"))).isEqualTo("truex");
    }

    @Test
    void otherTypesAreCompactExtendedJson() {
        assertThat(MongoIdText.of(new BsonDateTime(1577836800000L))).isEqualTo("{\"$date\":1577836800000}");
        assertThat(MongoIdText.of(new BsonBinary((byte) 4, new byte[] {1, 2, 3})))
                .isEqualTo("{\"$binary\":{\"base64\":\"AQID\",\"subType\":\"04\"}}");
        assertThat(MongoIdText.of(new BsonTimestamp(5, 1))).isEqualTo("{\"$timestamp\":{\"t\":5,\"i\":1}}");
        assertThat(MongoIdText.of(BsonDocument.parse("{b: 1, a: {$numberLong: '2'}, s: 'x', o: {$oid: '65f1c0ffee0000000000abcd'}}")))
                .isEqualTo("{\"b\":1,\"a\":2,\"s\":\"x\",\"o\":{\"$oid\":\"65f1c0ffee0000000000abcd\"}}");
        assertThat(MongoIdText.of(BsonDocument.parse("{a: 1.0, l: [1, 'two']}"))).isEqualTo("{\"a\":1,\"l\":[1,\"two\"]}");
        assertThat(MongoIdText.of(new BsonMinKey())).isEqualTo("{\"$minKey\":1}");
        assertThat(MongoIdText.of(new BsonMaxKey())).isEqualTo("{\"$maxKey\":1}");
        assertThat(MongoIdText.of(BsonBoolean.TRUE)).isEqualTo("true");
        assertThat(MongoIdText.of(BsonNull.VALUE)).isEqualTo("null");
    }

    /** Distinct _ids never share a key: each type's forms are apart from every other's. */
    @Test
    void distinctIdsNeverCollide() {
        List<BsonValue> ids = List.of(new BsonString("5"), new BsonInt32(5), new BsonString("true"), BsonBoolean.TRUE,
                new BsonString("null"), BsonNull.VALUE, new BsonString("65f1c0ffee0000000000abcd"),
                new BsonObjectId(new ObjectId("65f1c0ffee0000000000abcd")), new BsonString("{\"$date\":0}"),
                new BsonDateTime(0), new BsonString("\"5\""), new BsonString("Infinity"),
                new BsonDouble(Double.POSITIVE_INFINITY), new BsonString("{\"a\":1}"), BsonDocument.parse("{a: 1}"),
                BsonDocument.parse("{a: '1'}"), BsonDocument.parse("{a: 1, b: 2}"), BsonDocument.parse("{b: 2, a: 1}"),
                new BsonDouble(0.1), new BsonDecimal128(Decimal128.parse("0.1")));
        Map<String, BsonValue> seen = new HashMap<>();
        for (BsonValue id : ids) {
            BsonValue before = seen.put(MongoIdText.of(id), id);
            assertThat(before).as("%s and %s share the key %s", before, id, MongoIdText.of(id)).isNull();
        }
    }
}
