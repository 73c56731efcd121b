package dev.ferry.operators.postgres.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.state.schema.ColumnSchema;
import dev.ferry.state.schema.ColumnType;
import dev.ferry.state.schema.TableSchema;
import java.util.List;
import java.util.Map;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/** The change stream's checkpoint forms, including those written before leaf partitions were kept. */
class WalSerializersTest {

    @Test
    void splitsAndEnumeratorStatesRoundTrip() throws Exception {
        TableSchema schema = new TableSchema("public.t", "t", List.of(
                new ColumnSchema("id", ColumnType.of(ColumnType.Kind.INT64), false, "bigint").withPosition(1),
                new ColumnSchema("note", ColumnType.of(ColumnType.Kind.STRING), true, "text").withPosition(3)),
                List.of("id"));
        for (WalSplit split : List.of(at(0, null), at(42, List.of()),
                at(Long.MAX_VALUE, List.of(16384L, 16390L)),
                new WalSplit(7, null, Map.of("public.t", schema), List.of(new TableReload("public.t", "10:20:12,15", 99, false)), 3,
                        Map.of("public.t", new PostgresTableStorage(List.of(16384L, 16402L), Map.of(1, 740L, 3, 4_000_000_000L))),
                        Map.of("public.t", Map.of("id", 1, "old_note", 3))),
                new WalSplit(8, List.of(1L), Map.of(), List.of(new TableReload("public.u", "10:10:", 5, true)), 0,
                        Map.of(), Map.of()))) {
            byte[] bytes = WalSerializers.SPLIT.serialize(split);
            assertThat(WalSerializers.SPLIT.deserialize(WalSerializers.SPLIT.getVersion(), bytes)).isEqualTo(split);
            WalEnumerator.State state = new WalEnumerator.State(split);
            byte[] stateBytes = WalSerializers.ENUMERATOR.serialize(state);
            assertThat(WalSerializers.ENUMERATOR.deserialize(WalSerializers.ENUMERATOR.getVersion(), stateBytes))
                    .isEqualTo(state);
        }
        WalEnumerator.State assigned = new WalEnumerator.State(null);
        assertThat(WalSerializers.ENUMERATOR.deserialize(WalSerializers.ENUMERATOR.getVersion(),
                WalSerializers.ENUMERATOR.serialize(assigned))).isEqualTo(assigned);
    }

    private static WalSplit at(long restartLsn, List<Long> leaves) {
        return new WalSplit(restartLsn, leaves, Map.of(), List.of(), 0, Map.of(), Map.of());
    }

    /**
     * A checkpoint taken before the leaves were kept holds the position only: read as not yet listed;
     * one taken before schemas and reloads were kept ends after the leaves.
     */
    @Test
    void olderFormsReadWithoutLeaves() throws Exception {
        DataOutputSerializer split = new DataOutputSerializer(8);
        split.writeLong(1234);
        assertThat(WalSerializers.SPLIT.deserialize(1, split.getCopyOfBuffer())).isEqualTo(at(1234, null));
        split.writeBoolean(true);
        split.writeInt(1);
        split.writeLong(5);
        assertThat(WalSerializers.SPLIT.deserialize(1, split.getCopyOfBuffer())).isEqualTo(at(1234, List.of(5L)));

        DataOutputSerializer state = new DataOutputSerializer(9);
        state.writeBoolean(true);
        state.writeLong(99);
        assertThat(WalSerializers.ENUMERATOR.deserialize(1, state.getCopyOfBuffer()))
                .isEqualTo(new WalEnumerator.State(at(99, null)));
    }
}
