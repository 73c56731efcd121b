package dev.ferry.operators.postgres;

import dev.ferry.state.record.OneVersionSerializer;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/** Checkpoint forms of the change stream's split and of its enumerator's state (the unassigned split, if any). */
final class WalSerializers {
    private static final int VERSION = 1;

    private WalSerializers() {}

    static final SimpleVersionedSerializer<WalSplit> SPLIT = new OneVersionSerializer<>(VERSION, "WAL split") {
        @Override
        public void write(WalSplit split, DataOutput out) throws IOException {
            writeSplit(split, out);
        }

        @Override
        public WalSplit read(DataInput in) throws IOException {
            return readSplit(in);
        }
    };

    static final SimpleVersionedSerializer<WalEnumerator.State> ENUMERATOR = new OneVersionSerializer<>(VERSION,
            "WAL enumerator state") {
        @Override
        public void write(WalEnumerator.State state, DataOutput out) throws IOException {
            out.writeBoolean(state.unassigned() != null);
            if (state.unassigned() != null) {
                writeSplit(state.unassigned(), out);
            }
        }

        @Override
        public WalEnumerator.State read(DataInput in) throws IOException {
            return new WalEnumerator.State(in.readBoolean() ? readSplit(in) : null);
        }
    };

    private static void writeSplit(WalSplit split, DataOutput out) throws IOException {
        out.writeLong(split.restartLsn());
        out.writeBoolean(split.leaves() != null);
        if (split.leaves() != null) {
            out.writeInt(split.leaves().size());
            for (long oid : split.leaves()) {
                out.writeLong(oid);
            }
        }
    }

    /**
     * The leaves were added behind the position without a new version (a split is the last thing in
     * both forms): bytes checkpointed before end after the position and read as not yet listed.
     */
    private static WalSplit readSplit(DataInput in) throws IOException {
        long restartLsn = in.readLong();
        if (in instanceof DataInputDeserializer d && d.available() == 0 || !in.readBoolean()) {
            return new WalSplit(restartLsn, null);
        }
        List<Long> leaves = new ArrayList<>();
        for (int n = in.readInt(); n > 0; n--) {
            leaves.add(in.readLong());
        }
        return new WalSplit(restartLsn, leaves);
    }
}
