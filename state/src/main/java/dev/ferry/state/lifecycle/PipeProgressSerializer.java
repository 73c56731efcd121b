package dev.ferry.state.lifecycle;

import dev.ferry.state.record.OneVersionSerializer;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.core.memory.DataInputDeserializer;

/** Checkpoint form of {@link PipeProgress}. */
public final class PipeProgressSerializer extends OneVersionSerializer<PipeProgress> {
    public static final PipeProgressSerializer INSTANCE = new PipeProgressSerializer();
    private static final int VERSION = 2;

    private PipeProgressSerializer() {
        super(VERSION, "PipeProgress");
    }

    @Override
    public void write(PipeProgress p, DataOutput out) throws IOException {
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
        out.writeInt(p.reloaded().size());
        for (String t : p.reloaded()) {
            out.writeUTF(t);
        }
    }

    @Override
    public PipeProgress read(DataInput in) throws IOException {
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
        // Written behind the tables later, without a new version (the lifecycle stores bare bytes).
        Set<String> reloaded = new HashSet<>();
        if (!(in instanceof DataInputDeserializer d && d.available() == 0)) {
            for (int n = in.readInt(); n > 0; n--) {
                reloaded.add(in.readUTF());
            }
        }
        PipeProgress p = new PipeProgress(state, reason, List.of());
        p.restore(state, reason, generation, tables, reloaded);
        return p;
    }
}
