package dev.ferry.state.record;

import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/** Type information that gives Flink {@link ChangeRecordSerializer} instead of Kryo. */
public final class ChangeRecordTypeInfo extends TypeInformation<ChangeRecord> {
    private static final long serialVersionUID = 1L;

    public static final ChangeRecordTypeInfo INSTANCE = new ChangeRecordTypeInfo();

    @Override
    public boolean isBasicType() {
        return false;
    }

    @Override
    public boolean isTupleType() {
        return false;
    }

    @Override
    public int getArity() {
        return 1;
    }

    @Override
    public int getTotalFields() {
        return 1;
    }

    @Override
    public Class<ChangeRecord> getTypeClass() {
        return ChangeRecord.class;
    }

    @Override
    public boolean isKeyType() {
        return false;
    }

    @Override
    public TypeSerializer<ChangeRecord> createSerializer(SerializerConfig config) {
        return ChangeRecordSerializer.INSTANCE;
    }

    @Override
    @SuppressWarnings("deprecation")
    public TypeSerializer<ChangeRecord> createSerializer(ExecutionConfig config) {
        return ChangeRecordSerializer.INSTANCE;
    }

    @Override
    public String toString() {
        return "ChangeRecord";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChangeRecordTypeInfo;
    }

    @Override
    public int hashCode() {
        return ChangeRecordTypeInfo.class.hashCode();
    }

    @Override
    public boolean canEqual(Object o) {
        return o instanceof ChangeRecordTypeInfo;
    }
}
