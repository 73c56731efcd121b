package dev.ferry.state.record;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/** Binary form of the {@link Marker} types. */
final class MarkerCodec {
    private static final byte SNAPSHOT_UNIT_DONE = 1;

    private MarkerCodec() {}

    static void write(Marker marker, DataOutput out) throws IOException {
        if (marker instanceof SnapshotUnitDone d) {
            out.writeByte(SNAPSHOT_UNIT_DONE);
            out.writeUTF(d.unitId());
            out.writeInt(d.unitIndex());
            out.writeInt(d.unitCount());
            out.writeLong(d.rows());
        } else {
            throw new IOException("unknown marker " + marker);
        }
    }

    static Marker read(DataInput in) throws IOException {
        byte tag = in.readByte();
        if (tag == SNAPSHOT_UNIT_DONE) {
            return new SnapshotUnitDone(in.readUTF(), in.readInt(), in.readInt(), in.readLong());
        }
        throw new IOException("unknown marker tag " + tag);
    }
}
