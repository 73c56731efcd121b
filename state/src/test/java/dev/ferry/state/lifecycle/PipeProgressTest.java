package dev.ferry.state.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.state.record.DurableProgress;
import dev.ferry.state.record.DurableProgressSerializer;
import java.util.List;
import java.util.Map;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/** A run that asks the change stream to copy tables again is done only once each copy was swapped in. */
class PipeProgressTest {

    @Test
    void aResyncThroughTheStreamIsDoneWhenEveryCopyWasSwappedIn() throws Exception {
        PipeRun first = PipeRun.first(List.of("public.a", "public.b"), false);
        PipeProgress progress = new PipeProgress(PipeState.SETUP, "", List.of("public.a", "public.b"));
        progress.beginGeneration(first);
        DurableProgress.Builder writes = new DurableProgress.Builder();
        writes.reloaded("public.a"); // an automatic copy of an earlier generation counts for none later
        progress.fold(roundTrip(writes.drain()));

        PipeRun resync = first.reloading(List.of("public.a", "public.b"), PipeState.RESYNC);
        progress.beginGeneration(resync);
        assertThat(progress.reloadsDone(resync.reloadTables())).isFalse();
        writes.written("public.a", 0, 3, 0, 0, 7);
        writes.reloaded("public.b");
        progress.fold(roundTrip(writes.drain()));
        assertThat(progress.reloadsDone(resync.reloadTables())).isFalse();
        writes.reloaded("public.a");
        progress.fold(roundTrip(writes.drain()));
        assertThat(progress.reloadsDone(resync.reloadTables())).isTrue();

        PipeProgress restored = PipeProgressSerializer.INSTANCE.deserialize(PipeProgressSerializer.INSTANCE.getVersion(),
                PipeProgressSerializer.INSTANCE.serialize(progress));
        assertThat(restored.reloaded()).containsExactlyInAnyOrder("public.a", "public.b");
        assertThat(restored.generation()).isEqualTo(2);
        assertThat(restored.tables().get("public.a").inserts()).isEqualTo(3);
    }

    /** Progress checkpointed before copies were counted ends after the tables: it has none. */
    @Test
    void olderProgressReadsWithoutCopies() throws Exception {
        DataOutputSerializer old = new DataOutputSerializer(32);
        old.writeUTF(PipeState.RUNNING.name());
        old.writeUTF("");
        old.writeInt(4);
        old.writeInt(0);
        PipeProgress read = PipeProgressSerializer.INSTANCE.deserialize(PipeProgressSerializer.INSTANCE.getVersion(),
                old.getCopyOfBuffer());
        assertThat(read.generation()).isEqualTo(4);
        assertThat(read.reloaded()).isEmpty();
    }

    private static DurableProgress roundTrip(DurableProgress p) throws Exception {
        DurableProgress back = DurableProgressSerializer.INSTANCE.deserialize(DurableProgressSerializer.INSTANCE.getVersion(),
                DurableProgressSerializer.INSTANCE.serialize(p));
        assertThat(back).isEqualTo(p);
        assertThat(back.tables()).isEqualTo(Map.copyOf(p.tables()));
        return back;
    }
}
