package dev.ferry.operators.postgres;

import java.io.IOException;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/** Checkpoint form of {@link SlotGuardState}: the flag, then the wrapped state in its own versioned form. */
final class SlotGuardStateSerializer<E> implements SimpleVersionedSerializer<SlotGuardState<E>> {
    private static final int VERSION = 1;

    private final SimpleVersionedSerializer<E> delegate;

    SlotGuardStateSerializer(SimpleVersionedSerializer<E> delegate) {
        this.delegate = delegate;
    }

    @Override
    public int getVersion() {
        return VERSION;
    }

    @Override
    public byte[] serialize(SlotGuardState<E> state) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(256);
        out.writeBoolean(state.slotSeen());
        out.writeInt(delegate.getVersion());
        byte[] inner = delegate.serialize(state.delegate());
        out.writeInt(inner.length);
        out.write(inner);
        return out.getCopyOfBuffer();
    }

    @Override
    public SlotGuardState<E> deserialize(int version, byte[] bytes) throws IOException {
        if (version != VERSION) {
            throw new IOException("unknown WAL source state version " + version);
        }
        DataInputDeserializer in = new DataInputDeserializer(bytes);
        boolean seen = in.readBoolean();
        int innerVersion = in.readInt();
        byte[] inner = new byte[in.readInt()];
        in.readFully(inner);
        return new SlotGuardState<>(delegate.deserialize(innerVersion, inner), seen);
    }
}
