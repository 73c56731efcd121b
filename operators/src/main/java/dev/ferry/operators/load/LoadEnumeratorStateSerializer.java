package dev.ferry.operators.load;

import dev.ferry.state.record.OneVersionSerializer;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Checkpoint form of {@link LoadEnumeratorState}; partitions in their own codec's form. */
public final class LoadEnumeratorStateSerializer<P extends LoadPartition>
        extends OneVersionSerializer<LoadEnumeratorState<P>> {
    private static final int VERSION = 3;

    private final PartitionCodec<P> codec;

    public LoadEnumeratorStateSerializer(PartitionCodec<P> codec) {
        super(VERSION, "initial load state");
        this.codec = codec;
    }

    @Override
    public void write(LoadEnumeratorState<P> state, DataOutput out) throws IOException {
        out.writeInt(state.unplannedTables().size());
        for (String t : state.unplannedTables()) {
            out.writeUTF(t);
        }
        out.writeInt(state.pending().size());
        for (P p : state.pending()) {
            codec.write(p, out);
        }
        out.writeInt(state.unfinished().size());
        for (String id : state.unfinished()) {
            out.writeUTF(id);
        }
        out.writeBoolean(state.point() != null);
        if (state.point() != null) {
            out.writeUTF(state.point());
        }
        out.writeInt(state.startedOver().size());
        for (Map.Entry<String, StartedOver> e : state.startedOver().entrySet()) {
            out.writeUTF(e.getKey());
            out.writeInt(e.getValue().pass());
            out.writeLong(e.getValue().version());
        }
    }

    @Override
    public LoadEnumeratorState<P> read(DataInput in) throws IOException {
        List<String> unplanned = new ArrayList<>();
        for (int i = in.readInt(); i > 0; i--) {
            unplanned.add(in.readUTF());
        }
        List<P> pending = new ArrayList<>();
        for (int i = in.readInt(); i > 0; i--) {
            pending.add(codec.read(in));
        }
        Set<String> unfinished = new HashSet<>();
        for (int i = in.readInt(); i > 0; i--) {
            unfinished.add(in.readUTF());
        }
        String point = in.readBoolean() ? in.readUTF() : null;
        Map<String, StartedOver> startedOver = new HashMap<>();
        for (int i = in.readInt(); i > 0; i--) {
            startedOver.put(in.readUTF(), new StartedOver(in.readInt(), in.readLong()));
        }
        return new LoadEnumeratorState<>(unplanned, pending, unfinished, point, startedOver);
    }
}
