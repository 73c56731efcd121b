package dev.ferry.operators.postgres.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class CtidPartitionerTest {

    @Test
    void emptyTableIsOneUnboundedPartition() {
        List<CtidPartition> p = CtidPartitioner.byBlocks("t", 0, 0, 100_000);
        assertThat(p).containsExactly(new CtidPartition("t", 0, 1, null, null));
        assertThat(p.get(0).whereClause()).isEmpty();
    }

    @Test
    void tableSmallerThanOnePartitionIsOnePartition() {
        assertThat(CtidPartitioner.byBlocks("t", 10, 50, 100_000)).hasSize(1);
    }

    @Test
    void blockRangesAreContiguousOpenEndedAndSizedByDensity() {
        // 1,000,000 rows at 100 rows/block = 10,000 blocks; 100,000 rows/partition = 1,000 blocks each.
        List<CtidPartition> p = CtidPartitioner.byBlocks("public.t", 10_000, 100, 100_000);
        assertThat(p).hasSize(10);
        assertCoversEverything(p);
        assertThat(p.get(1).lower()).isEqualTo(Tid.startOf(1000));
        assertThat(p.get(1).upper()).isEqualTo(Tid.startOf(2000));
        assertThat(p.get(1).whereClause()).isEqualTo(" WHERE ctid >= '(1000,0)'::tid AND ctid < '(2000,0)'::tid");
        assertThat(p.get(0).whereClause()).isEqualTo(" WHERE ctid < '(1000,0)'::tid");
        assertThat(p.get(9).whereClause()).isEqualTo(" WHERE ctid >= '(9000,0)'::tid");
        assertThat(p.get(3).splitId()).isEqualTo("public.t#3");
    }

    @Test
    void roundsPartitionCountUpAndNeverBelowOneBlock() {
        assertThat(CtidPartitioner.byBlocks("t", 10_001, 100, 100_000)).hasSize(11);
        // denser than the partition size: one block per partition
        List<CtidPartition> dense = CtidPartitioner.byBlocks("t", 5, 1_000, 10);
        assertThat(dense).hasSize(5);
        assertCoversEverything(dense);
    }

    @Test
    void unknownDensityCountsOneRowPerBlock() {
        assertThat(CtidPartitioner.byBlocks("t", 250, 0, 100)).hasSize(3);
        assertThat(CtidPartitioner.byBlocks("t", 250, -1, 100)).hasSize(3);
    }

    @Test
    void windowStartsBecomeContiguousRanges() {
        List<CtidPartition> p = CtidPartitioner.fromStarts("t",
                List.of(new Tid(0, 1), new Tid(3, 7), new Tid(3, 9), new Tid(12, 2)));
        assertThat(p).hasSize(4);
        assertCoversEverything(p);
        assertThat(p.get(1)).isEqualTo(new CtidPartition("t", 1, 4, new Tid(3, 7), new Tid(3, 9)));
        assertThat(CtidPartitioner.fromStarts("t", List.of(new Tid(5, 1)))).containsExactly(
                new CtidPartition("t", 0, 1, null, null));
        assertThatThrownBy(() -> CtidPartitioner.fromStarts("t", List.of(new Tid(3, 1), new Tid(3, 1))))
                .hasMessageContaining("must ascend");
    }

    @Test
    void bucketCount() {
        assertThat(CtidPartitioner.bucketCount(0, 100_000)).isEqualTo(1);
        assertThat(CtidPartitioner.bucketCount(100_000, 100_000)).isEqualTo(1);
        assertThat(CtidPartitioner.bucketCount(100_001, 100_000)).isEqualTo(2);
        assertThat(CtidPartitioner.bucketCount(5_000_000, 100_000)).isEqualTo(50);
    }

    @Test
    void tidParsingAndOrder() {
        assertThat(Tid.parse("(12,3)")).isEqualTo(new Tid(12, 3));
        assertThat(new Tid(1, 9)).isLessThan(new Tid(2, 0));
        assertThat(new Tid(2, 1)).isGreaterThan(new Tid(2, 0));
        assertThatThrownBy(() -> Tid.parse("12,3")).hasMessageContaining("not a tid");
        assertThatThrownBy(() -> new CtidPartition("t", 0, 1, new Tid(2, 0), new Tid(2, 0)))
                .hasMessageContaining("empty ctid range");
    }

    @Test
    void resumedPartitionContinuesAfterItsLastRow() {
        CtidPartition p = new CtidPartition("t", 1, 3, new Tid(10, 0), new Tid(20, 0)).resumingAfter(new Tid(12, 7), 99);
        assertThat(p.whereClause()).isEqualTo(" WHERE ctid > '(12,7)'::tid AND ctid < '(20,0)'::tid");
        assertThat(p.describeRange()).isEqualTo("[(10,0), (20,0)) resuming after (12,7)");
        assertThat(p.splitId()).isEqualTo("t#1");
        assertThat(new CtidPartition("t", 0, 1, null, null).resumingAfter(new Tid(0, 1), 1).whereClause())
                .isEqualTo(" WHERE ctid > '(0,1)'::tid");
        // restored before its first row: the same rows, said as a resumption
        assertThat(new CtidPartition("t", 0, 2, null, new Tid(5, 0)).resumingAtStart().whereClause())
                .isEqualTo(" WHERE ctid > '(0,0)'::tid AND ctid < '(5,0)'::tid");
        assertThat(new CtidPartition("t", 1, 2, new Tid(5, 0), null).resumingAtStart().whereClause())
                .isEqualTo(" WHERE ctid > '(5,0)'::tid");
        assertThat(new CtidPartition("t", 1, 2, new Tid(5, 3), null).resumingAtStart().whereClause())
                .isEqualTo(" WHERE ctid > '(5,2)'::tid");
    }

    @Test
    void splitSerializerRoundTrips() throws Exception {
        for (CtidPartition p : List.of(new CtidPartition("s.\"T\"", 2, 5, new Tid(10, 0), null),
                new CtidPartition("a", 0, 2, null, new Tid(3, 0)).resumingAfter(new Tid(2, 9), 1234),
                new CtidPartition("t", 0, 1, null, null).inPass(2).inFiles(16_384),
                new CtidPartition("t", 0, 1, null, null))) {
            CtidPartitionSerializer s = CtidPartitionSerializer.INSTANCE;
            assertThat(s.deserialize(s.getVersion(), s.serialize(p))).isEqualTo(p);
        }
    }

    @Test
    void enumeratorStateRoundTrips() throws Exception {
        dev.ferry.operators.load.LoadEnumeratorState<CtidPartition> state = new dev.ferry.operators.load.LoadEnumeratorState<>(List.of("a.b", "c.d"),
                List.of(new CtidPartition("x.y", 1, 3, new Tid(4, 0), new Tid(8, 0)).resumingAfter(new Tid(5, 3), 17)),
                java.util.Set.of("x.y#1", "x.y#2@1"), "10:20:12,15",
                java.util.Map.of("x.y", new dev.ferry.operators.load.StartedOver(1, 4_000_000L)));
        var s = new dev.ferry.operators.load.LoadEnumeratorStateSerializer<>(CtidPartitionSerializer.INSTANCE);
        assertThat(s.deserialize(s.getVersion(), s.serialize(state))).isEqualTo(state);
    }

    private static void assertCoversEverything(List<CtidPartition> p) {
        assertThat(p.get(0).lower()).isNull();
        assertThat(p.get(p.size() - 1).upper()).isNull();
        for (int i = 0; i < p.size(); i++) {
            assertThat(p.get(i).index()).isEqualTo(i);
            assertThat(p.get(i).count()).isEqualTo(p.size());
            if (i > 0) {
                assertThat(p.get(i).lower()).isEqualTo(p.get(i - 1).upper());
            }
        }
    }
}
