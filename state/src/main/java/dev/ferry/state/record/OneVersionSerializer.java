package dev.ferry.state.record;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.io.Serializable;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * A checkpoint form with one version: subclasses say how a value is written and read, this class
 * frames it and refuses bytes of another version (a changed form gets a new version number).
 */
public abstract class OneVersionSerializer<T> implements SimpleVersionedSerializer<T>, Serializable {
    private static final long serialVersionUID = 1L;
    private final int version;
    private final String what;

    /** @param what the value's name in the error for bytes of another version */
    protected OneVersionSerializer(int version, String what) {
        this.version = version;
        this.what = what;
    }

    public abstract void write(T value, DataOutput out) throws IOException;

    public abstract T read(DataInput in) throws IOException;

    @Override
    public int getVersion() {
        return version;
    }

    @Override
    public byte[] serialize(T value) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(128);
        write(value, out);
        return out.getCopyOfBuffer();
    }

    @Override
    public T deserialize(int version, byte[] bytes) throws IOException {
        if (version != this.version) {
            throw new IOException("unknown " + what + " version " + version + " (this Ferry reads " + this.version + ")");
        }
        return read(new DataInputDeserializer(bytes));
    }
}
