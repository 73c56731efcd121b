package dev.ferry.operators.load;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/** Checkpoint form of {@link LoadEnumeratorState}; partitions in their own codec's form. */
public final class LoadEnumeratorStateSerializer<P extends LoadPartition>
        implements SimpleVersionedSerializer<LoadEnumeratorState<P>> {
    private static final int VERSION = 1;

    private final PartitionCodec<P> codec;

    public LoadEnumeratorStateSerializer(PartitionCodec<P> codec) {
        this.codec = codec;
    }

    @Override
    public int getVersion() {
        return VERSION;
    }

    @Override
    public byte[] serialize(LoadEnumeratorState<P> state) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(256);
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
        out.writeBoolean(state.pointTaken());
        return out.getCopyOfBuffer();
    }

    @Override
    public LoadEnumeratorState<P> deserialize(int version, byte[] bytes) throws IOException {
        if (version != VERSION) {
            throw new IOException("unknown initial load state version " + version);
        }
        DataInputDeserializer in = new DataInputDeserializer(bytes);
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
        return new LoadEnumeratorState<>(unplanned, pending, unfinished, in.readBoolean());
    }
}
