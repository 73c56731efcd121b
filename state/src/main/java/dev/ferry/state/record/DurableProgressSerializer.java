package dev.ferry.state.record;

import dev.ferry.state.record.DurableProgress.TableWrites;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Checkpoint form of {@link DurableProgress} (it is the sink's committable). */
public final class DurableProgressSerializer extends OneVersionSerializer<DurableProgress> {
    public static final DurableProgressSerializer INSTANCE = new DurableProgressSerializer();
    private static final int VERSION = 2;

    private DurableProgressSerializer() {
        super(VERSION, "DurableProgress");
    }

    @Override
    public void write(DurableProgress progress, DataOutput out) throws IOException {
        out.writeInt(progress.tables().size());
        for (Map.Entry<String, TableWrites> e : progress.tables().entrySet()) {
            TableWrites w = e.getValue();
            out.writeUTF(e.getKey());
            out.writeLong(w.snapshotRows());
            out.writeLong(w.inserts());
            out.writeLong(w.updates());
            out.writeLong(w.deletes());
            out.writeLong(w.batches());
            out.writeLong(w.maxVersion());
            out.writeInt(w.unitsDone().size());
            for (SnapshotUnitDone u : w.unitsDone()) {
                MarkerCodec.write(u, out);
            }
            out.writeLong(w.reloads());
        }
    }

    @Override
    public DurableProgress read(DataInput in) throws IOException {
        Map<String, TableWrites> tables = new LinkedHashMap<>();
        for (int n = in.readInt(); n > 0; n--) {
            String table = in.readUTF();
            long snapshotRows = in.readLong();
            long inserts = in.readLong();
            long updates = in.readLong();
            long deletes = in.readLong();
            long batches = in.readLong();
            long maxVersion = in.readLong();
            List<SnapshotUnitDone> units = new ArrayList<>();
            for (int u = in.readInt(); u > 0; u--) {
                units.add((SnapshotUnitDone) MarkerCodec.read(in));
            }
            tables.put(table, new TableWrites(snapshotRows, inserts, updates, deletes, batches, maxVersion, units,
                    in.readLong()));
        }
        return new DurableProgress(tables);
    }
}
