package dev.ferry.operators.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.util.InstantiationUtil;
import org.bson.BsonDocument;
import org.bson.BsonInt64;
import org.bson.BsonTimestamp;
import org.junit.jupiter.api.Test;

/** Checkpointed state survives its binary form: partitions with bounds of any type, streams with tokens. */
class MongoSerializersTest {

    @Test
    void partitionsRoundTrip() throws Exception {
        BsonDocument bounds = BsonDocument.parse("{a: {$oid: '65f1c0ffee0000000000abcd'}, b: {x: [1, 'y']},"
                + " c: {$date: '2024-01-01T00:00:00Z'}, d: {$numberDecimal: '1.50'}, e: {$binary: {base64: 'AQI=', subType: '04'}}}");
        long start = new BsonTimestamp(1_800_000_000, 3).getValue();
        for (String field : bounds.keySet()) {
            MongoIdPartition p = new MongoIdPartition("coll.with.dots", 2, 5, MongoIdBracket.STRING, bounds.get(field),
                    new BsonInt64(9), start).resumingAfter(bounds.get(field), 123);
            assertThat(roundTrip(MongoIdPartitionSerializer.INSTANCE, p)).isEqualTo(p);
        }
        MongoIdPartition open = new MongoIdPartition("c", 0, 1, MongoIdBracket.OTHER, null, null, start);
        assertThat(roundTrip(MongoIdPartitionSerializer.INSTANCE, open)).isEqualTo(open);
    }

    /** Partitions also travel Java-serialized, in the readers' PartitionFinished events. */
    @Test
    void partitionsSurviveJavaSerialization() throws Exception {
        MongoIdPartition p = new MongoIdPartition("c", 1, 3, MongoIdBracket.OBJECT_ID,
                BsonDocument.parse("{v: {$oid: '65f1c0ffee0000000000abcd'}}").get("v"), null, 5L);
        assertThat(InstantiationUtil.clone(p)).isEqualTo(p);
    }

    @Test
    void changeStreamStateRoundTrips() throws Exception {
        MongoChangeStreamSplit fresh = MongoChangeStreamSplit.startingAt("users", 42L);
        MongoChangeStreamSplit resumed = new MongoChangeStreamSplit("users", 42L, BsonDocument.parse("{_data: '8262A3'}"),
                new BsonTimestamp(1_800_000_000, 9).getValue(), 3);
        assertThat(roundTrip(MongoChangeStreamSerializers.SPLIT, fresh)).isEqualTo(fresh);
        assertThat(roundTrip(MongoChangeStreamSerializers.SPLIT, resumed)).isEqualTo(resumed);
        MongoChangeStreamEnumState state = new MongoChangeStreamEnumState(List.of(fresh), Set.of("orders", "items"));
        assertThat(roundTrip(MongoChangeStreamSerializers.ENUMERATOR, state)).isEqualTo(state);
    }

    private static <T> T roundTrip(SimpleVersionedSerializer<T> serializer, T value) throws Exception {
        return serializer.deserialize(serializer.getVersion(), serializer.serialize(value));
    }
}
