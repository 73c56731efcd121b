package dev.ferry.operators.postgres;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/** Checkpoint form of {@link CtidEnumeratorState}. */
public final class CtidEnumeratorStateSerializer implements SimpleVersionedSerializer<CtidEnumeratorState> {
    public static final CtidEnumeratorStateSerializer INSTANCE = new CtidEnumeratorStateSerializer();
    private static final int VERSION = 2;

    @Override
    public int getVersion() {
        return VERSION;
    }

    @Override
    public byte[] serialize(CtidEnumeratorState state) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(256);
        out.writeInt(state.unplannedTables().size());
        for (String t : state.unplannedTables()) {
            out.writeUTF(t);
        }
        out.writeInt(state.pending().size());
        for (CtidPartition p : state.pending()) {
            CtidPartitionSerializer.write(p, out);
        }
        out.writeInt(state.unfinished().size());
        for (String id : state.unfinished()) {
            out.writeUTF(id);
        }
        out.writeBoolean(state.exported());
        return out.getCopyOfBuffer();
    }

    @Override
    public CtidEnumeratorState deserialize(int version, byte[] bytes) throws IOException {
        if (version != VERSION) {
            throw new IOException("unknown snapshot enumerator state version " + version);
        }
        DataInputDeserializer in = new DataInputDeserializer(bytes);
        List<String> unplanned = new ArrayList<>();
        for (int i = in.readInt(); i > 0; i--) {
            unplanned.add(in.readUTF());
        }
        List<CtidPartition> pending = new ArrayList<>();
        for (int i = in.readInt(); i > 0; i--) {
            pending.add(CtidPartitionSerializer.read(in));
        }
        Set<String> unfinished = new HashSet<>();
        for (int i = in.readInt(); i > 0; i--) {
            unfinished.add(in.readUTF());
        }
        return new CtidEnumeratorState(unplanned, pending, unfinished, in.readBoolean());
    }
}
