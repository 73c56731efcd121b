package dev.ferry.state.record;

import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/** Flink serializer for {@link ChangeRecord}, so records never go through Kryo. */
public final class ChangeRecordSerializer extends TypeSerializer<ChangeRecord> {
    private static final long serialVersionUID = 1L;

    public static final ChangeRecordSerializer INSTANCE = new ChangeRecordSerializer();

    private static final ChangeRecord.Kind[] KINDS = ChangeRecord.Kind.values();

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public TypeSerializer<ChangeRecord> duplicate() {
        return this;
    }

    @Override
    public ChangeRecord createInstance() {
        return null;
    }

    @Override
    public ChangeRecord copy(ChangeRecord from) {
        if (from.kind() == ChangeRecord.Kind.MARKER) {
            return from; // markers are immutable records
        }
        Object[] values = from.values();
        Object[] copy = new Object[values.length];
        for (int i = 0; i < values.length; i++) {
            copy[i] = ValueCodec.copy(values[i]);
        }
        return ChangeRecord.change(from.table(), from.kind(), from.version(), from.sourceMillis(), from.commitPosition(),
                copy);
    }

    @Override
    public ChangeRecord copy(ChangeRecord from, ChangeRecord reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(ChangeRecord record, DataOutputView out) throws IOException {
        out.writeUTF(record.table());
        out.writeByte(record.kind().ordinal());
        if (record.kind() == ChangeRecord.Kind.MARKER) {
            MarkerCodec.write(record.marker(), out);
            return;
        }
        out.writeLong(record.version());
        out.writeLong(record.sourceMillis());
        out.writeLong(record.commitPosition());
        Object[] values = record.values();
        out.writeInt(values.length);
        for (Object v : values) {
            ValueCodec.write(v, out);
        }
    }

    @Override
    public ChangeRecord deserialize(DataInputView in) throws IOException {
        String table = in.readUTF();
        ChangeRecord.Kind kind = KINDS[in.readByte()];
        if (kind == ChangeRecord.Kind.MARKER) {
            return ChangeRecord.marker(table, MarkerCodec.read(in));
        }
        long version = in.readLong();
        long sourceMillis = in.readLong();
        long commitPosition = in.readLong();
        Object[] values = new Object[in.readInt()];
        for (int i = 0; i < values.length; i++) {
            values[i] = ValueCodec.read(in);
        }
        return ChangeRecord.change(table, kind, version, sourceMillis, commitPosition, values);
    }

    @Override
    public ChangeRecord deserialize(ChangeRecord reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView in, DataOutputView out) throws IOException {
        serialize(deserialize(in), out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChangeRecordSerializer;
    }

    @Override
    public int hashCode() {
        return ChangeRecordSerializer.class.hashCode();
    }

    @Override
    public TypeSerializerSnapshot<ChangeRecord> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Restores the same stateless serializer. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<ChangeRecord> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
