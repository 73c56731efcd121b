package dev.ferry.state.record;

import dev.ferry.state.schema.ColumnSchema;
import dev.ferry.state.schema.ColumnType;
import dev.ferry.state.schema.TableSchema;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Binary form of the {@link Marker} types. */
final class MarkerCodec {
    private static final byte SNAPSHOT_UNIT_DONE = 1;
    private static final byte SCHEMA_CHANGED = 2;
    private static final byte TRUNCATED = 3;

    private MarkerCodec() {}

    static void write(Marker marker, DataOutput out) throws IOException {
        if (marker instanceof SnapshotUnitDone d) {
            out.writeByte(SNAPSHOT_UNIT_DONE);
            out.writeUTF(d.unitId());
            out.writeInt(d.unitIndex());
            out.writeInt(d.unitCount());
            out.writeLong(d.rows());
        } else if (marker instanceof SchemaChanged c) {
            out.writeByte(SCHEMA_CHANGED);
            writeSchema(c.schema(), out);
        } else if (marker instanceof Truncated t) {
            out.writeByte(TRUNCATED);
            out.writeLong(t.version());
            out.writeLong(t.commitPosition());
        } else {
            throw new IOException("unknown marker " + marker);
        }
    }

    static void writeSchema(TableSchema t, DataOutput out) throws IOException {
        out.writeUTF(t.sourceId());
        out.writeUTF(t.target());
        out.writeInt(t.columns().size());
        for (ColumnSchema c : t.columns()) {
            out.writeUTF(c.name());
            out.writeUTF(c.type().toString());
            out.writeBoolean(c.nullable());
            out.writeUTF(c.sourceType());
            out.writeBoolean(c.dropped());
            ValueCodec.write(c.missing(), out);
            out.writeInt(c.position());
        }
        out.writeInt(t.key().size());
        for (String k : t.key()) {
            out.writeUTF(k);
        }
    }

    static TableSchema readSchema(DataInput in) throws IOException {
        String sourceId = in.readUTF();
        String target = in.readUTF();
        List<ColumnSchema> columns = new ArrayList<>();
        for (int n = in.readInt(); n > 0; n--) {
            columns.add(new ColumnSchema(in.readUTF(), ColumnType.parse(in.readUTF()), in.readBoolean(), in.readUTF(),
                    in.readBoolean(), ValueCodec.read(in), in.readInt()));
        }
        List<String> key = new ArrayList<>();
        for (int n = in.readInt(); n > 0; n--) {
            key.add(in.readUTF());
        }
        return new TableSchema(sourceId, target, columns, key);
    }

    static Marker read(DataInput in) throws IOException {
        byte tag = in.readByte();
        if (tag == SNAPSHOT_UNIT_DONE) {
            return new SnapshotUnitDone(in.readUTF(), in.readInt(), in.readInt(), in.readLong());
        }
        if (tag == SCHEMA_CHANGED) {
            return new SchemaChanged(readSchema(in));
        }
        if (tag == TRUNCATED) {
            return new Truncated(in.readLong(), in.readLong());
        }
        throw new IOException("unknown marker tag " + tag);
    }
}
