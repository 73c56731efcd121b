package dev.ferry.state.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** A pipe's run as the catalog stores it, including runs stored before tables could be copied by the stream. */
class PipeRunTest {

    @Test
    void runsRoundTripThroughJson() {
        PipeRun first = PipeRun.first(List.of("public.a", "public.b"), true);
        PipeRun resync = first.next(List.of("public.a"), List.of("public.a"), PipeState.RESYNC);
        PipeRun reload = resync.reloading(List.of("public.b"), PipeState.RESYNC);
        for (PipeRun run : List.of(first, resync, reload)) {
            assertThat(PipeRun.fromJson(run.toJson())).isEqualTo(run);
        }
        assertThat(reload.generation()).isEqualTo(3);
        assertThat(reload.loads()).isFalse();
    }

    @Test
    void aRunStoredWithoutReloadTablesReloadsNone() {
        PipeRun old = PipeRun.fromJson("{\"generation\":2,\"loadTables\":[\"public.a\"],\"resyncTables\":[\"public.a\"],"
                + "\"startState\":\"RESYNC\"}");
        assertThat(old.reloadTables()).isEmpty();
        assertThat(old.resyncTables()).containsExactly("public.a");
    }
}
