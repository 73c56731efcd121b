package dev.ferry.operators.mongo;

import dev.ferry.operators.load.PartitionCodec;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/** Checkpoint form of {@link MongoIdPartition}, on its own (split state) and inside the load's state. */
public final class MongoIdPartitionSerializer
        implements SimpleVersionedSerializer<MongoIdPartition>, PartitionCodec<MongoIdPartition> {
    private static final long serialVersionUID = 1L;
    public static final MongoIdPartitionSerializer INSTANCE = new MongoIdPartitionSerializer();
    private static final int VERSION = 1;

    @Override
    public int getVersion() {
        return VERSION;
    }

    @Override
    public byte[] serialize(MongoIdPartition p) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        write(p, out);
        return out.getCopyOfBuffer();
    }

    @Override
    public MongoIdPartition deserialize(int version, byte[] bytes) throws IOException {
        if (version != VERSION) {
            throw new IOException("unknown MongoIdPartition version " + version);
        }
        return read(new DataInputDeserializer(bytes));
    }

    @Override
    public void write(MongoIdPartition p, DataOutput out) throws IOException {
        out.writeUTF(p.table());
        out.writeInt(p.index());
        out.writeInt(p.count());
        out.writeUTF(p.bracket().name());
        MongoBsonBytes.write(p.lower(), out);
        MongoBsonBytes.write(p.upper(), out);
        MongoBsonBytes.write(p.resumeAfter(), out);
        out.writeLong(p.rowsBefore());
        out.writeLong(p.loadStart());
    }

    @Override
    public MongoIdPartition read(DataInput in) throws IOException {
        return new MongoIdPartition(in.readUTF(), in.readInt(), in.readInt(), MongoIdBracket.valueOf(in.readUTF()),
                MongoBsonBytes.read(in), MongoBsonBytes.read(in), MongoBsonBytes.read(in), in.readLong(), in.readLong());
    }
}
