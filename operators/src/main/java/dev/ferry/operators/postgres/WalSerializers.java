package dev.ferry.operators.postgres;

import dev.ferry.state.record.OneVersionSerializer;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/** Checkpoint forms of the change stream's split and of its enumerator's state (the unassigned split, if any). */
final class WalSerializers {
    private static final int VERSION = 1;

    private WalSerializers() {}

    static final SimpleVersionedSerializer<WalSplit> SPLIT = new OneVersionSerializer<>(VERSION, "WAL split") {
        @Override
        public void write(WalSplit split, DataOutput out) throws IOException {
            out.writeLong(split.restartLsn());
        }

        @Override
        public WalSplit read(DataInput in) throws IOException {
            return new WalSplit(in.readLong());
        }
    };

    static final SimpleVersionedSerializer<WalEnumerator.State> ENUMERATOR = new OneVersionSerializer<>(VERSION,
            "WAL enumerator state") {
        @Override
        public void write(WalEnumerator.State state, DataOutput out) throws IOException {
            out.writeBoolean(state.unassigned() != null);
            if (state.unassigned() != null) {
                out.writeLong(state.unassigned().restartLsn());
            }
        }

        @Override
        public WalEnumerator.State read(DataInput in) throws IOException {
            return new WalEnumerator.State(in.readBoolean() ? new WalSplit(in.readLong()) : null);
        }
    };
}
