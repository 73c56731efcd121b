package dev.ferry.operators.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Whether a row already existed under an earlier snapshot, decided from its xmin. */
class PostgresXidSnapshotTest {

    @Test
    void readsTheTextForm() {
        PostgresXidSnapshot s = PostgresXidSnapshot.parse("100:110:100,105");
        assertThat(s.sawCommitted(99)).isTrue();
        assertThat(s.sawCommitted(100)).isFalse();
        assertThat(s.sawCommitted(104)).isTrue();
        assertThat(s.sawCommitted(105)).isFalse();
        assertThat(s.sawCommitted(110)).isFalse();
        assertThat(s.sawCommitted(2)).as("frozen").isTrue();
        assertThat(PostgresXidSnapshot.parse("7:7:").sawCommitted(7)).isFalse();
        assertThat(s).hasToString("100:110:100,105");
    }

    @Test
    void placesThirtyTwoBitIdsInTheSnapshotsEpoch() {
        long epoch = 1L << 32;
        PostgresXidSnapshot s = PostgresXidSnapshot.parse((epoch + 5) + ":" + (epoch + 9) + ":" + (epoch + 6));
        assertThat(s.sawCommitted(0xFFFF_FFF0L)).as("just before the wrap").isTrue();
        assertThat(s.sawCommitted(6)).isFalse();
        assertThat(s.sawCommitted(8)).isTrue();
        assertThat(s.sawCommitted(9)).isFalse();
        PostgresXidSnapshot early = PostgresXidSnapshot.parse("4294967290:4294967295:");
        assertThat(early.sawCommitted(3)).as("after the wrap").isFalse();
    }
}
