package dev.ferry.operators.mongo;

import dev.ferry.state.record.OneVersionSerializer;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.bson.BsonValue;

/** Checkpoint forms of the change stream's split ({@link MongoChangeStreamSplit}) and enumerator state. */
final class MongoChangeStreamSerializers {
    private static final int VERSION = 1;

    private MongoChangeStreamSerializers() {}

    static final SimpleVersionedSerializer<MongoChangeStreamSplit> SPLIT = new OneVersionSerializer<>(VERSION, "MongoDB change stream split") {
        @Override
        public void write(MongoChangeStreamSplit split, DataOutput out) throws IOException {
            writeSplit(split, out);
        }

        @Override
        public MongoChangeStreamSplit read(DataInput in) throws IOException {
            return readSplit(in);
        }
    };

    static final SimpleVersionedSerializer<MongoChangeStreamEnumState> ENUMERATOR = new OneVersionSerializer<>(VERSION, "MongoDB change stream enumerator state") {
        @Override
        public void write(MongoChangeStreamEnumState state, DataOutput out) throws IOException {
            out.writeInt(state.unassigned().size());
            for (MongoChangeStreamSplit s : state.unassigned()) {
                writeSplit(s, out);
            }
            out.writeInt(state.assigned().size());
            for (String c : state.assigned()) {
                out.writeUTF(c);
            }
        }

        @Override
        public MongoChangeStreamEnumState read(DataInput in) throws IOException {
            List<MongoChangeStreamSplit> unassigned = new ArrayList<>();
            for (int n = in.readInt(); n > 0; n--) {
                unassigned.add(readSplit(in));
            }
            Set<String> assigned = new HashSet<>();
            for (int n = in.readInt(); n > 0; n--) {
                assigned.add(in.readUTF());
            }
            return new MongoChangeStreamEnumState(unassigned, assigned);
        }
    };

    private static void writeSplit(MongoChangeStreamSplit s, DataOutput out) throws IOException {
        out.writeUTF(s.collection());
        out.writeLong(s.startAt());
        MongoBsonBytes.write(s.resumeToken(), out);
        out.writeLong(s.lastClusterTime());
        out.writeInt(s.ordinal());
    }

    private static MongoChangeStreamSplit readSplit(DataInput in) throws IOException {
        String collection = in.readUTF();
        long startAt = in.readLong();
        BsonValue token = MongoBsonBytes.read(in);
        return new MongoChangeStreamSplit(collection, startAt, token == null ? null : token.asDocument(), in.readLong(),
                in.readInt());
    }
}
