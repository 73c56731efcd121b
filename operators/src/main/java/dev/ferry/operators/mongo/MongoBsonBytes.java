package dev.ferry.operators.mongo;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;

/** BSON values in checkpointed state (partition bounds, resume tokens): their BSON bytes, length first. */
final class MongoBsonBytes {
    private static final String FIELD = "v";
    private static final BsonDocumentCodec CODEC = new BsonDocumentCodec();

    private MongoBsonBytes() {}

    /** Writes a value, or null. */
    static void write(BsonValue value, DataOutput out) throws IOException {
        if (value == null) {
            out.writeInt(-1);
            return;
        }
        ByteBuffer bytes = new RawBsonDocument(new BsonDocument(FIELD, value), CODEC).getByteBuffer().asNIO();
        byte[] b = new byte[bytes.remaining()];
        bytes.get(b);
        out.writeInt(b.length);
        out.write(b);
    }

    static BsonValue read(DataInput in) throws IOException {
        int length = in.readInt();
        if (length < 0) {
            return null;
        }
        byte[] b = new byte[length];
        in.readFully(b);
        return new RawBsonDocument(b).toBsonDocument().get(FIELD);
    }
}
