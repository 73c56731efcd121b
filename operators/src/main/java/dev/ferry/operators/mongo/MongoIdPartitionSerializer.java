package dev.ferry.operators.mongo;

import dev.ferry.operators.load.PartitionSerializer;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/** Checkpoint form of {@link MongoIdPartition}, on its own (split state) and inside the load's state. */
public final class MongoIdPartitionSerializer extends PartitionSerializer<MongoIdPartition> {
    private static final long serialVersionUID = 1L;
    public static final MongoIdPartitionSerializer INSTANCE = new MongoIdPartitionSerializer();
    private static final int VERSION = 1;

    private MongoIdPartitionSerializer() {
        super(VERSION, "MongoIdPartition");
    }

    @Override
    protected void writeRest(MongoIdPartition p, DataOutput out) throws IOException {
        out.writeUTF(p.bracket().name());
        MongoBsonBytes.write(p.lower(), out);
        MongoBsonBytes.write(p.upper(), out);
        MongoBsonBytes.write(p.resumeAfter(), out);
        out.writeLong(p.rowsBefore());
        out.writeLong(p.loadStart());
    }

    @Override
    protected MongoIdPartition readRest(String table, int index, int count, DataInput in) throws IOException {
        return new MongoIdPartition(table, index, count, MongoIdBracket.valueOf(in.readUTF()),
                MongoBsonBytes.read(in), MongoBsonBytes.read(in), MongoBsonBytes.read(in), in.readLong(), in.readLong());
    }
}
