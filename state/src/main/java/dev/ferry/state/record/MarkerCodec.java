package dev.ferry.state.record;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/** Binary form of the {@link Marker} types. */
final class MarkerCodec {
    private static final byte SNAPSHOT_UNIT_DONE = 1;
    private static final byte SCHEMA_CHANGED = 2;
    private static final byte TRUNCATED = 3;
    private static final byte TABLE_RELOADING = 4;
    private static final byte TABLE_RELOADED = 5;
    private static final byte SNAPSHOT_RESTARTED = 6;

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
            TableSchemaCodec.write(c.schema(), out);
        } else if (marker instanceof Truncated t) {
            out.writeByte(TRUNCATED);
            out.writeLong(t.version());
            out.writeLong(t.commitPosition());
        } else if (marker instanceof TableReloading r) {
            out.writeByte(TABLE_RELOADING);
            TableSchemaCodec.write(r.schema(), out);
            out.writeLong(r.version());
            out.writeUTF(r.reason());
        } else if (marker instanceof TableReloaded r) {
            out.writeByte(TABLE_RELOADED);
            out.writeLong(r.rows());
        } else if (marker instanceof SnapshotRestarted r) {
            out.writeByte(SNAPSHOT_RESTARTED);
            out.writeLong(r.version());
        } else {
            throw new IOException("unknown marker " + marker);
        }
    }

    static Marker read(DataInput in) throws IOException {
        byte tag = in.readByte();
        if (tag == SNAPSHOT_UNIT_DONE) {
            return new SnapshotUnitDone(in.readUTF(), in.readInt(), in.readInt(), in.readLong());
        }
        if (tag == SCHEMA_CHANGED) {
            return new SchemaChanged(TableSchemaCodec.read(in));
        }
        if (tag == TRUNCATED) {
            return new Truncated(in.readLong(), in.readLong());
        }
        if (tag == TABLE_RELOADING) {
            return new TableReloading(TableSchemaCodec.read(in), in.readLong(), in.readUTF());
        }
        if (tag == TABLE_RELOADED) {
            return new TableReloaded(in.readLong());
        }
        if (tag == SNAPSHOT_RESTARTED) {
            return new SnapshotRestarted(in.readLong());
        }
        throw new IOException("unknown marker tag " + tag);
    }
}
