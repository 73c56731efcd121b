package dev.ferry.operators.load;

import dev.ferry.state.record.OneVersionSerializer;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Checkpoint form of a source's partition, on its own (split state) and inside the load's state:
 * table, index and count, then what the source adds.
 *
 * @param <P> the source's partition
 */
public abstract class PartitionSerializer<P extends LoadPartition> extends OneVersionSerializer<P>
        implements PartitionCodec<P> {
    private static final long serialVersionUID = 1L;

    protected PartitionSerializer(int version, String what) {
        super(version, what);
    }

    /** What the source's partition holds besides its table, index and count. */
    protected abstract void writeRest(P partition, DataOutput out) throws IOException;

    /** The partition {@code index} of {@code count} of {@code table}, from what {@link #writeRest} wrote. */
    protected abstract P readRest(String table, int index, int count, DataInput in) throws IOException;

    @Override
    public final void write(P partition, DataOutput out) throws IOException {
        out.writeUTF(partition.table());
        out.writeInt(partition.index());
        out.writeInt(partition.count());
        writeRest(partition, out);
    }

    @Override
    public final P read(DataInput in) throws IOException {
        return readRest(in.readUTF(), in.readInt(), in.readInt(), in);
    }
}
