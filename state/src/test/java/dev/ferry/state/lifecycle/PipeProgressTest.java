package dev.ferry.state.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.state.record.DurableProgress;
import dev.ferry.state.record.DurableProgressSerializer;
import dev.ferry.state.record.SnapshotUnitDone;
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

    /**
     * A table whose load started over is done when every unit of its newest plan is: units of the old
     * plan, done before or after the new one began, never count toward it.
     */
    @Test
    void aLoadStartedOverCountsItsNewestPlanOnly() throws Exception {
        PipeProgress progress = new PipeProgress(PipeState.SNAPSHOT, "", List.of("public.t"));
        progress.beginGeneration(PipeRun.first(List.of("public.t"), true));
        DurableProgress.Builder writes = new DurableProgress.Builder();
        for (int i = 0; i < 3; i++) {
            writes.unitDone("public.t", unit(0, i, 4));
        }
        progress.fold(roundTrip(writes.drain()));
        assertThat(progress.tables().get("public.t").unitsDone()).hasSize(3);

        writes.unitDone("public.t", unit(1, 0, 2));
        writes.unitDone("public.t", unit(0, 3, 4)); // the old plan's last unit, finished late
        progress.fold(roundTrip(writes.drain()));
        assertThat(progress.snapshotDone(List.of("public.t"))).isFalse();
        assertThat(progress.tables().get("public.t").unitsDone()).containsExactly("public.t#0@1");

        writes.unitDone("public.t", unit(1, 1, 2));
        progress.fold(roundTrip(writes.drain()));
        assertThat(progress.snapshotDone(List.of("public.t"))).isTrue();
    }

    private static SnapshotUnitDone unit(int pass, int index, int count) {
        String id = SnapshotUnitDone.id("public.t", pass, index);
        assertThat(SnapshotUnitDone.passOf(id)).isEqualTo(pass);
        return new SnapshotUnitDone(id, index, count, 10);
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
