package dev.ferry.state.record;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.state.schema.ColumnSchema;
import dev.ferry.state.schema.ColumnType;
import dev.ferry.state.schema.TableSchema;
import java.math.BigDecimal;
import java.util.List;
import java.util.UUID;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class ChangeRecordSerializerTest {

    @Test
    void roundTripsEveryCanonicalValue() throws Exception {
        Object[] values = {
            null, true, false, Long.MIN_VALUE, Integer.MAX_VALUE, -0.0f, Double.NaN,
            new BigDecimal("-12345678901234567890123456789.000000001"), "žluťoučký kůň 🐎\n\n", new byte[] {0, -1, 10},
            new UUID(-1L, 42L), new Object[] {1L, null, new Object[] {"nested"}}
        };
        ChangeRecord row = ChangeRecord.row("public.t", ChangeRecord.Kind.UPDATE, 0xFFFF_FFFF_FFL, values);
        ChangeRecord marker = ChangeRecord.marker("public.t", new SnapshotUnitDone("public.t#3", 3, 10, 12345));
        TableSchema schema = new TableSchema("public.t", "t", List.of(
                new ColumnSchema("id", ColumnType.of(ColumnType.Kind.INT64), false, "int8").withPosition(1),
                new ColumnSchema("gone", ColumnType.of(ColumnType.Kind.STRING), true, "text").asDropped()),
                List.of("id"));
        ChangeRecord[] markers = {
            ChangeRecord.marker("public.t", new SchemaChanged(schema)),
            ChangeRecord.marker("public.t", new Truncated(ChangeVersions.change(99), 98)),
            ChangeRecord.marker("public.t", new TableReloading(schema, 1234, "column id changed type from int4 to int8")),
            ChangeRecord.marker("public.t", new TableReloaded(3))
        };
        for (ChangeRecord r : new ChangeRecord[] {row, marker, markers[0], markers[1], markers[2], markers[3]}) {
            DataOutputSerializer out = new DataOutputSerializer(64);
            ChangeRecordSerializer.INSTANCE.serialize(r, out);
            ChangeRecord back = ChangeRecordSerializer.INSTANCE.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
            assertThat(back).isEqualTo(r);
            assertThat(ChangeRecordSerializer.INSTANCE.copy(r)).isEqualTo(r);
        }
    }

    @Test
    void copyDoesNotShareMutableArrays() {
        byte[] bytes = {1, 2};
        ChangeRecord r = ChangeRecord.row("t", ChangeRecord.Kind.INSERT, 1, new Object[] {bytes});
        ChangeRecord c = ChangeRecordSerializer.INSTANCE.copy(r);
        bytes[0] = 9;
        assertThat((byte[]) c.values()[0]).containsExactly(1, 2);
    }

    @Test
    void typeInfoHandsOutTheRealSerializer() {
        assertThat(RecordTypeInfo.CHANGE_RECORD.createSerializer(new org.apache.flink.api.common.serialization.SerializerConfigImpl()))
                .isSameAs(ChangeRecordSerializer.INSTANCE);
    }
}
