package dev.ferry.operators.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.operators.mongo.MongoIdRangePartitioner.BracketRanges;
import java.util.List;
import org.bson.BsonDateTime;
import org.bson.BsonDecimal128;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonObjectId;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.Test;

class MongoIdRangePartitionerTest {

    @Test
    void rangeCount() {
        assertThat(MongoIdRangePartitioner.ranges(0, 100)).isEqualTo(1);
        assertThat(MongoIdRangePartitioner.ranges(100, 100)).isEqualTo(1);
        assertThat(MongoIdRangePartitioner.ranges(101, 100)).isEqualTo(2);
        assertThat(MongoIdRangePartitioner.ranges(1_000_000, 100_000)).isEqualTo(10);
    }

    @Test
    void wholeNumbersSplitIntoWholeNumberRanges() {
        assertThat(MongoIdRangePartitioner.numberBoundaries(new BsonInt32(0), new BsonInt64(1000), 4))
                .containsExactly(new BsonInt64(250), new BsonInt64(500), new BsonInt64(750));
        // Whole doubles and decimals count as whole numbers.
        assertThat(MongoIdRangePartitioner.numberBoundaries(new BsonDouble(-10.0), new BsonDecimal128(Decimal128.parse("10.00")), 2))
                .containsExactly(new BsonInt64(0));
        // No overflow across the whole long range.
        assertThat(MongoIdRangePartitioner.numberBoundaries(new BsonInt64(Long.MIN_VALUE), new BsonInt64(Long.MAX_VALUE), 2))
                .containsExactly(new BsonInt64(-1));
        // Fewer values than ranges: boundaries do not repeat.
        assertThat(MongoIdRangePartitioner.numberBoundaries(new BsonInt32(1), new BsonInt32(3), 10))
                .containsExactly(new BsonInt64(2));
    }

    @Test
    void fractionalNumbersSplitIntoDoubleRanges() {
        assertThat(MongoIdRangePartitioner.numberBoundaries(new BsonDouble(0.5), new BsonDouble(2.5), 2))
                .containsExactly(new BsonDouble(1.5));
        assertThat(MongoIdRangePartitioner.numberBoundaries(new BsonDouble(0.5), new BsonDouble(Double.NaN), 4)).isEmpty();
    }

    @Test
    void objectIdsSplitTheirKeyspace() {
        ObjectId min = new ObjectId("600000000000000000000000");
        ObjectId max = new ObjectId("680000000000000000000000");
        List<BsonValue> b = MongoIdRangePartitioner.objectIdBoundaries(min, max, 4);
        assertThat(b).containsExactly(new BsonObjectId(new ObjectId("620000000000000000000000")),
                new BsonObjectId(new ObjectId("640000000000000000000000")),
                new BsonObjectId(new ObjectId("660000000000000000000000")));
    }

    @Test
    void datesSplitByMilliseconds() {
        assertThat(MongoIdRangePartitioner.dateBoundaries(0, 3000, 3))
                .containsExactly(new BsonDateTime(1000), new BsonDateTime(2000));
    }

    @Test
    void sampledBoundariesAreQuantilesWithoutRepeats() {
        List<BsonValue> sample = List.of(s("a"), s("b"), s("b"), s("b"), s("c"), s("d"), s("e"), s("f"));
        assertThat(MongoIdRangePartitioner.sampledBoundaries(sample, 4)).containsExactly(s("b"), s("c"), s("e"));
        assertThat(MongoIdRangePartitioner.sampledBoundaries(List.of(s("a"), s("a"), s("a")), 3)).isEmpty();
        assertThat(MongoIdRangePartitioner.sampledBoundaries(List.of(), 3)).isEmpty();
    }

    /** Each bracket's ranges run from its start to its end; partitions are numbered across the collection. */
    @Test
    void partitionsCoverEveryBracketFromStartToEnd() {
        List<MongoIdPartition> p = MongoIdRangePartitioner.partitions("users", List.of(
                new BracketRanges(MongoIdBracket.NUMBER, List.of(new BsonInt64(100), new BsonInt64(200))),
                new BracketRanges(MongoIdBracket.OBJECT_ID, List.of())), 77L);
        assertThat(p).extracting(MongoIdPartition::splitId).containsExactly("users#0", "users#1", "users#2", "users#3");
        assertThat(p).allSatisfy(x -> assertThat(x.count()).isEqualTo(4));
        assertThat(p).allSatisfy(x -> assertThat(x.loadStart()).isEqualTo(77L));
        assertThat(p.get(0).filter()).isEqualTo(BsonDocument.parse(
                "{_id: {$type: 'number', $not: {$gte: {$numberLong: '100'}}}}"));
        assertThat(p.get(1).filter()).isEqualTo(BsonDocument.parse(
                "{_id: {$type: 'number', $gte: {$numberLong: '100'}, $lt: {$numberLong: '200'}}}"));
        assertThat(p.get(2).filter()).isEqualTo(BsonDocument.parse("{_id: {$type: 'number', $gte: {$numberLong: '200'}}}"));
        assertThat(p.get(3).filter()).isEqualTo(BsonDocument.parse("{_id: {$type: 'objectId'}}"));
        assertThat(p.get(1).describeRange()).isEqualTo("number [100, 200)");
    }

    @Test
    void aResumedPartitionContinuesAfterItsLastDocument() {
        MongoIdPartition first = new MongoIdPartition("c", 0, 2, MongoIdBracket.NUMBER, null, new BsonInt64(100), 1L);
        assertThat(first.resumingAfter(new BsonInt32(42), 10).filter()).isEqualTo(BsonDocument.parse(
                "{_id: {$type: 'number', $gt: 42, $lt: {$numberLong: '100'}}}"));
        // NaN sorts first among numbers and no range matches it: after it comes everything from -Infinity.
        assertThat(first.resumingAfter(new BsonDouble(Double.NaN), 1).filter()).isEqualTo(BsonDocument.parse(
                "{_id: {$type: 'number', $gte: {$numberDouble: '-Infinity'}, $lt: {$numberLong: '100'}}}"));
        // Mixed types cannot be resumed in: OTHER starts over.
        MongoIdPartition other = new MongoIdPartition("c", 1, 2, MongoIdBracket.OTHER, null, null, 1L);
        assertThat(other.resumingAfter(new BsonString("x"), 5)).isEqualTo(other);
        assertThat(other.filter().toJson()).contains("$not").contains("objectId").contains("number");
    }

    private static BsonValue s(String v) {
        return new BsonString(v);
    }
}
