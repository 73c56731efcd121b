package dev.ferry.state.lifecycle;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/** Checkpoint form of {@link PipeProgress}. */
public final class PipeProgressSerializer implements SimpleVersionedSerializer<PipeProgress> {
    public static final PipeProgressSerializer INSTANCE = new PipeProgressSerializer();
    private static final int VERSION = 2;

    @Override
    public int getVersion() {
        return VERSION;
    }

    @Override
    public byte[] serialize(PipeProgress p) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(256);
        out.writeUTF(p.state().name());
        out.writeUTF(p.reason());
        out.writeInt(p.generation());
        out.writeInt(p.tables().size());
        for (TableProgress t : p.tables().values()) {
            out.writeUTF(t.table());
            out.writeInt(t.unitsTotal());
            out.writeInt(t.unitsDone().size());
            for (String u : t.unitsDone()) {
                out.writeUTF(u);
            }
            out.writeLong(t.snapshotRows());
            out.writeLong(t.inserts());
            out.writeLong(t.updates());
            out.writeLong(t.deletes());
            out.writeLong(t.batches());
            out.writeLong(t.maxVersion());
        }
        return out.getCopyOfBuffer();
    }

    @Override
    public PipeProgress deserialize(int version, byte[] bytes) throws IOException {
        if (version != VERSION) {
            throw new IOException("unknown PipeProgress version " + version);
        }
        DataInputDeserializer in = new DataInputDeserializer(bytes);
        PipeState state = PipeState.valueOf(in.readUTF());
        String reason = in.readUTF();
        int generation = in.readInt();
        List<TableProgress> tables = new ArrayList<>();
        for (int n = in.readInt(); n > 0; n--) {
            String table = in.readUTF();
            int total = in.readInt();
            Set<String> done = new HashSet<>();
            for (int u = in.readInt(); u > 0; u--) {
                done.add(in.readUTF());
            }
            tables.add(new TableProgress(table, total, done, in.readLong(), in.readLong(), in.readLong(), in.readLong(),
                    in.readLong(), in.readLong()));
        }
        PipeProgress p = new PipeProgress(state, reason, List.of());
        p.restore(state, reason, generation, tables);
        return p;
    }
}
