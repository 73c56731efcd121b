package dev.ferry.operators.postgres.snapshot;

import dev.ferry.operators.load.PartitionSerializer;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/** Checkpoint form of {@link CtidPartition}, on its own (split state) and inside the load's state. */
public final class CtidPartitionSerializer extends PartitionSerializer<CtidPartition> {
    private static final long serialVersionUID = 1L;
    public static final CtidPartitionSerializer INSTANCE = new CtidPartitionSerializer();
    private static final int VERSION = 4;

    private CtidPartitionSerializer() {
        super(VERSION, "CtidPartition");
    }

    @Override
    protected void writeRest(CtidPartition p, DataOutput out) throws IOException {
        writeTid(p.lower(), out);
        writeTid(p.upper(), out);
        writeTid(p.resumeAfter(), out);
        out.writeLong(p.rowsBefore());
        out.writeBoolean(p.leaf() != null);
        if (p.leaf() != null) {
            out.writeUTF(p.leaf());
        }
        out.writeInt(p.pass());
        out.writeLong(p.files());
    }

    @Override
    protected CtidPartition readRest(String table, int index, int count, DataInput in) throws IOException {
        return new CtidPartition(table, index, count, readTid(in), readTid(in), readTid(in),
                in.readLong(), in.readBoolean() ? in.readUTF() : null, in.readInt(), in.readLong());
    }

    private static void writeTid(Tid t, DataOutput out) throws IOException {
        out.writeBoolean(t != null);
        if (t != null) {
            out.writeLong(t.block());
            out.writeInt(t.offset());
        }
    }

    private static Tid readTid(DataInput in) throws IOException {
        return in.readBoolean() ? new Tid(in.readLong(), in.readInt()) : null;
    }
}
