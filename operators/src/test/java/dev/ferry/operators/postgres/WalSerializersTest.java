package dev.ferry.operators.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/** The change stream's checkpoint forms, including those written before leaf partitions were kept. */
class WalSerializersTest {

    @Test
    void splitsAndEnumeratorStatesRoundTrip() throws Exception {
        for (WalSplit split : List.of(new WalSplit(0, null), new WalSplit(42, List.of()),
                new WalSplit(Long.MAX_VALUE, List.of(16384L, 16390L)))) {
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

    /** A checkpoint taken before the leaves were kept holds the position only: read as not yet listed. */
    @Test
    void olderFormsReadWithoutLeaves() throws Exception {
        DataOutputSerializer split = new DataOutputSerializer(8);
        split.writeLong(1234);
        assertThat(WalSerializers.SPLIT.deserialize(1, split.getCopyOfBuffer())).isEqualTo(new WalSplit(1234, null));

        DataOutputSerializer state = new DataOutputSerializer(9);
        state.writeBoolean(true);
        state.writeLong(99);
        assertThat(WalSerializers.ENUMERATOR.deserialize(1, state.getCopyOfBuffer()))
                .isEqualTo(new WalEnumerator.State(new WalSplit(99, null)));
    }
}
