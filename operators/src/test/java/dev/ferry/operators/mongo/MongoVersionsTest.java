package dev.ferry.operators.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.state.record.ChangeVersions;
import java.util.ArrayList;
import java.util.List;
import org.bson.BsonTimestamp;
import org.junit.jupiter.api.Test;

class MongoVersionsTest {

    @Test
    void changesBeatSnapshotsAndFollowClusterTimeThenOrdinal() {
        BsonTimestamp start = new BsonTimestamp(1_800_000_000, 7);
        long snapshot = MongoVersions.snapshot(start);
        assertThat(ChangeVersions.isChange(snapshot)).isFalse();
        // Even a change from before the load started beats its snapshot rows (the stream only has later ones).
        long earlier = MongoVersions.change(new BsonTimestamp(1_700_000_000, 1), 0);
        assertThat(Long.compareUnsigned(earlier, snapshot)).isPositive();

        List<Long> inOrder = List.of(
                MongoVersions.change(new BsonTimestamp(1_800_000_000, 1), 0),
                MongoVersions.change(new BsonTimestamp(1_800_000_000, 1), 1),
                MongoVersions.change(new BsonTimestamp(1_800_000_000, 1), MongoVersions.MAX_ORDINAL),
                MongoVersions.change(new BsonTimestamp(1_800_000_000, 2), 0),
                MongoVersions.change(new BsonTimestamp(1_800_000_000, (1 << 21) - 1), 0),
                MongoVersions.change(new BsonTimestamp(1_800_000_001, 1), 0),
                // Seconds are unsigned: the encoding lasts until 2106.
                MongoVersions.change(new BsonTimestamp((int) 4_000_000_000L, 1), 0));
        for (int i = 1; i < inOrder.size(); i++) {
            assertThat(Long.compareUnsigned(inOrder.get(i), inOrder.get(i - 1))).as("version %d", i).isPositive();
        }
        assertThat(ChangeVersions.isChange(inOrder.get(inOrder.size() - 1))).isTrue();
    }

    @Test
    void identicalOnReplay() {
        BsonTimestamp t = new BsonTimestamp(1_800_000_000, 42);
        assertThat(MongoVersions.change(t, 3)).isEqualTo(MongoVersions.change(new BsonTimestamp(t.getValue()), 3));
    }

    /** A transaction's events share a cluster time: they are numbered in stream order, from 0. */
    @Test
    void ordinalsCountEventsOfOneClusterTime() {
        long txn = new BsonTimestamp(100, 5).getValue();
        long next = new BsonTimestamp(100, 6).getValue();
        List<Integer> ordinals = new ArrayList<>();
        long last = 0;
        int ordinal = 0;
        for (long time : new long[] {txn, txn, txn, next, next}) {
            ordinal = MongoVersions.nextOrdinal(last, ordinal, time);
            last = time;
            ordinals.add(ordinal);
        }
        assertThat(ordinals).containsExactly(0, 1, 2, 0, 1);
        // Past the last ordinal, the rest of a huge transaction shares it.
        assertThat(MongoVersions.nextOrdinal(txn, MongoVersions.MAX_ORDINAL, txn)).isEqualTo(MongoVersions.MAX_ORDINAL);
    }

    @Test
    void refusesIncrementsItCannotEncode() {
        assertThatThrownBy(() -> MongoVersions.change(new BsonTimestamp(1_800_000_000, 1 << 21), 0))
                .hasMessageContaining("increment above 2^21");
    }
}
