package dev.ferry.operators.postgres.stream;

import dev.ferry.state.record.OneVersionSerializer;
import dev.ferry.state.record.TableSchemaCodec;
import dev.ferry.state.schema.TableSchema;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;

/** Checkpoint forms of the change stream's split and of its enumerator's state (the unassigned split, if any). */
final class WalSerializers {
    private static final int VERSION = 1;

    private WalSerializers() {}

    static final SimpleVersionedSerializer<WalSplit> SPLIT = new OneVersionSerializer<>(VERSION, "WAL split") {
        @Override
        public void write(WalSplit split, DataOutput out) throws IOException {
            writeSplit(split, out);
        }

        @Override
        public WalSplit read(DataInput in) throws IOException {
            return readSplit(in);
        }
    };

    static final SimpleVersionedSerializer<WalEnumerator.State> ENUMERATOR = new OneVersionSerializer<>(VERSION,
            "WAL enumerator state") {
        @Override
        public void write(WalEnumerator.State state, DataOutput out) throws IOException {
            out.writeBoolean(state.unassigned() != null);
            if (state.unassigned() != null) {
                writeSplit(state.unassigned(), out);
            }
        }

        @Override
        public WalEnumerator.State read(DataInput in) throws IOException {
            return new WalEnumerator.State(in.readBoolean() ? readSplit(in) : null);
        }
    };

    private static void writeSplit(WalSplit split, DataOutput out) throws IOException {
        out.writeLong(split.restartLsn());
        out.writeBoolean(split.leaves() != null);
        if (split.leaves() != null) {
            out.writeInt(split.leaves().size());
            for (long oid : split.leaves()) {
                out.writeLong(oid);
            }
        }
        out.writeInt(split.schemas().size());
        for (TableSchema schema : split.schemas().values()) {
            TableSchemaCodec.write(schema, out);
        }
        out.writeInt(split.reloads().size());
        for (TableReload r : split.reloads()) {
            out.writeUTF(r.table());
            out.writeUTF(r.snapshot());
            out.writeLong(r.positionAfter());
            out.writeBoolean(r.copied());
        }
        out.writeInt(split.reloadedRun());
        out.writeInt(split.storage().size());
        for (Map.Entry<String, PostgresTableStorage> e : split.storage().entrySet()) {
            out.writeUTF(e.getKey());
            e.getValue().write(out);
        }
        out.writeInt(split.loggedNames().size());
        for (Map.Entry<String, Map<String, Integer>> e : split.loggedNames().entrySet()) {
            out.writeUTF(e.getKey());
            out.writeInt(e.getValue().size());
            for (Map.Entry<String, Integer> name : e.getValue().entrySet()) {
                out.writeUTF(name.getKey());
                out.writeInt(name.getValue());
            }
        }
    }

    /**
     * The leaves, then the schemas and reloads, then the run, then the storage, then the logged names, were added behind the position without a new version
     * (a split is the last thing in both forms): bytes checkpointed before end early, and what they
     * lack reads as not yet known.
     */
    private static WalSplit readSplit(DataInput in) throws IOException {
        long restartLsn = in.readLong();
        List<Long> leaves = null;
        if (more(in) && in.readBoolean()) {
            leaves = new ArrayList<>();
            for (int n = in.readInt(); n > 0; n--) {
                leaves.add(in.readLong());
            }
        }
        Map<String, TableSchema> schemas = new HashMap<>();
        List<TableReload> reloads = new ArrayList<>();
        if (more(in)) {
            for (int n = in.readInt(); n > 0; n--) {
                TableSchema schema = TableSchemaCodec.read(in);
                schemas.put(schema.sourceId(), schema);
            }
            for (int n = in.readInt(); n > 0; n--) {
                reloads.add(new TableReload(in.readUTF(), in.readUTF(), in.readLong(), in.readBoolean()));
            }
        }
        int reloadedRun = more(in) ? in.readInt() : 0;
        Map<String, PostgresTableStorage> storage = new HashMap<>();
        if (more(in)) {
            for (int n = in.readInt(); n > 0; n--) {
                storage.put(in.readUTF(), PostgresTableStorage.read(in));
            }
        }
        Map<String, Map<String, Integer>> loggedNames = new HashMap<>();
        if (more(in)) {
            for (int n = in.readInt(); n > 0; n--) {
                String table = in.readUTF();
                Map<String, Integer> names = new HashMap<>();
                for (int m = in.readInt(); m > 0; m--) {
                    names.put(in.readUTF(), in.readInt());
                }
                loggedNames.put(table, names);
            }
        }
        return new WalSplit(restartLsn, leaves, schemas, reloads, reloadedRun, storage, loggedNames);
    }

    private static boolean more(DataInput in) {
        return !(in instanceof DataInputDeserializer d && d.available() == 0);
    }
}
