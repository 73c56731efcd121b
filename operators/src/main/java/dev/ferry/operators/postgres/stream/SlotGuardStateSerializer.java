package dev.ferry.operators.postgres.stream;

import dev.ferry.state.record.OneVersionSerializer;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/** Checkpoint form of {@link SlotGuardState}: the flag, then the wrapped state in its own versioned form. */
final class SlotGuardStateSerializer<E> extends OneVersionSerializer<SlotGuardState<E>> {
    private static final int VERSION = 1;

    private final SimpleVersionedSerializer<E> delegate;

    SlotGuardStateSerializer(SimpleVersionedSerializer<E> delegate) {
        super(VERSION, "WAL source state");
        this.delegate = delegate;
    }

    @Override
    public void write(SlotGuardState<E> state, DataOutput out) throws IOException {
        out.writeBoolean(state.slotSeen());
        out.writeInt(delegate.getVersion());
        byte[] inner = delegate.serialize(state.delegate());
        out.writeInt(inner.length);
        out.write(inner);
    }

    @Override
    public SlotGuardState<E> read(DataInput in) throws IOException {
        boolean seen = in.readBoolean();
        int innerVersion = in.readInt();
        byte[] inner = new byte[in.readInt()];
        in.readFully(inner);
        return new SlotGuardState<>(delegate.deserialize(innerVersion, inner), seen);
    }
}
