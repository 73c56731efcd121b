package dev.ferry.operators.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.state.record.ChangeRecord;
import dev.ferry.state.schema.ColumnSchema;
import dev.ferry.state.schema.ColumnType;
import dev.ferry.state.schema.ColumnType.Kind;
import dev.ferry.state.schema.TableSchema;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class RowBinaryEncoderTest {

    private static String encode(ColumnType type, boolean nullable, Object value, ChangeRecord.Kind kind) throws Exception {
        TableSchema schema = new TableSchema("t", "t", List.of(new ColumnSchema("c", type, nullable, "x")), List.of("c"));
        RowBinaryBuffer buffer = new RowBinaryBuffer(8);
        new RowBinaryEncoder(schema).encode(ChangeRecord.row("t", kind, 0x0102, new Object[] {value}), buffer);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        buffer.writeTo(out);
        String hex = HexFormat.of().formatHex(out.toByteArray());
        // every row ends with _version (UInt64) and _is_deleted (UInt8)
        String tail = "0201000000000000" + (kind == ChangeRecord.Kind.DELETE ? "01" : "00");
        assertThat(hex).endsWith(tail);
        return hex.substring(0, hex.length() - tail.length());
    }

    private static String encode(ColumnType type, boolean nullable, Object value) throws Exception {
        return encode(type, nullable, value, ChangeRecord.Kind.INSERT);
    }

    @Test
    void scalarsAreLittleEndian() throws Exception {
        assertThat(encode(ColumnType.of(Kind.INT16), false, -2L)).isEqualTo("feff");
        assertThat(encode(ColumnType.of(Kind.INT32), false, 1L)).isEqualTo("01000000");
        assertThat(encode(ColumnType.of(Kind.UINT32), false, 4294967295L)).isEqualTo("ffffffff");
        assertThat(encode(ColumnType.of(Kind.INT64), false, Long.MIN_VALUE)).isEqualTo("0000000000000080");
        assertThat(encode(ColumnType.of(Kind.FLOAT64), false, 1.0)).isEqualTo("000000000000f03f");
        assertThat(encode(ColumnType.of(Kind.FLOAT32), false, -0.0f)).isEqualTo("00000080");
        assertThat(encode(ColumnType.of(Kind.BOOL), false, true)).isEqualTo("01");
    }

    @Test
    void stringsAreVarintPrefixedUtf8() throws Exception {
        assertThat(encode(ColumnType.of(Kind.STRING), false, "é")).isEqualTo("02c3a9");
        assertThat(encode(ColumnType.of(Kind.STRING), false, "x".repeat(200))).startsWith("c801");
        assertThat(encode(ColumnType.of(Kind.BYTES), false, new byte[] {0, 10, 10, 0})).isEqualTo("04000a0a00");
    }

    @Test
    void nullableAddsAFlagByte() throws Exception {
        assertThat(encode(ColumnType.of(Kind.INT32), true, null)).isEqualTo("01");
        assertThat(encode(ColumnType.of(Kind.INT32), true, 7L)).isEqualTo("0007000000");
    }

    @Test
    void decimalsUseTheirWidth() throws Exception {
        assertThat(encode(ColumnType.decimal(9, 2), false, new BigDecimal("-1.5"))).isEqualTo("6affffff");
        assertThat(encode(ColumnType.decimal(18, 2), false, new BigDecimal("12.34"))).isEqualTo("d204000000000000");
        assertThat(encode(ColumnType.decimal(38, 0), false, new BigDecimal("-1"))).isEqualTo("ff".repeat(16));
        assertThat(encode(ColumnType.decimal(76, 0), false, BigDecimal.ONE)).isEqualTo("01" + "00".repeat(31));
        // beyond the precision a value is NULL, which a NOT NULL column cannot take; more digits round half up
        assertThatThrownBy(() -> encode(ColumnType.decimal(4, 2), false, new BigDecimal("123.45")))
                .hasMessageContaining("NULL in NOT NULL column c");
        assertThat(encode(ColumnType.decimal(9, 2), false, new BigDecimal("1.235"))).isEqualTo("7c000000");
    }

    @Test
    void datesAndTimestampsClampToClickHouseRange() throws Exception {
        assertThat(encode(ColumnType.of(Kind.DATE), false, 0)).isEqualTo("00000000");
        assertThat(encode(ColumnType.of(Kind.DATE), false, Integer.MAX_VALUE))
                .isEqualTo(encode(ColumnType.of(Kind.DATE), false, RowBinaryEncoder.MAX_DATE32));
        assertThat(encode(ColumnType.of(Kind.DATE), false, Integer.MIN_VALUE))
                .isEqualTo(encode(ColumnType.of(Kind.DATE), false, RowBinaryEncoder.MIN_DATE32));
        assertThat(encode(ColumnType.of(Kind.TIMESTAMP), false, Long.MAX_VALUE))
                .isEqualTo(encode(ColumnType.of(Kind.TIMESTAMP), false, RowBinaryEncoder.MAX_DATETIME64_MICROS));
        assertThat(RowBinaryEncoder.MIN_DATE32).isEqualTo(-25567);
        assertThat(RowBinaryEncoder.MAX_DATE32).isEqualTo(120529);
    }

    /** Every value written other than it came is reported with its column, row key and rule. */
    @Test
    void adjustedValuesAreReported() {
        TableSchema schema = new TableSchema("t", "t", List.of(
                new ColumnSchema("id", ColumnType.of(Kind.INT32), false, "int4"),
                new ColumnSchema("n", ColumnType.decimal(10, 2), true, "numeric"),
                new ColumnSchema("d", ColumnType.of(Kind.DATE), true, "date")), List.of("id"));
        List<String> reported = new java.util.ArrayList<>();
        RowBinaryEncoder encoder = new RowBinaryEncoder(schema,
                (column, value, written, key) -> reported.add(column.name() + " " + value + " key " + key + ": " + written));
        RowBinaryBuffer buffer = new RowBinaryBuffer(8);
        encoder.encode(ChangeRecord.row("t", ChangeRecord.Kind.INSERT, 1, new Object[] {7L, "NaN", 0}), buffer);
        encoder.encode(ChangeRecord.row("t", ChangeRecord.Kind.INSERT, 1,
                new Object[] {8L, new BigDecimal("1.50"), Integer.MAX_VALUE}), buffer);
        assertThat(reported).containsExactly("n NaN key 7: null",
                "d 2147483647 key 8: " + RowBinaryEncoder.MAX_DATE32);
    }

    @Test
    void numericSpecialsAreWrittenAsNull() throws Exception {
        assertThat(encode(ColumnType.decimal(9, 2), true, "Infinity")).isEqualTo("01");
    }

    @Test
    void uuidIsTwoLittleEndianHalves() throws Exception {
        UUID u = UUID.fromString("00112233-4455-6677-8899-aabbccddeeff");
        assertThat(encode(ColumnType.of(Kind.UUID), false, u)).isEqualTo("7766554433221100ffeeddccbbaa9988");
    }

    @Test
    void arraysHaveNullableElements() throws Exception {
        assertThat(encode(ColumnType.arrayOf(ColumnType.of(Kind.INT16)), false, new Object[] {1L, null}))
                .isEqualTo("02" + "000100" + "01");
    }

    @Test
    void deletesWriteDefaultsForMissingValuesAndNotNullIsEnforcedOtherwise() throws Exception {
        assertThat(encode(ColumnType.of(Kind.STRING), false, null, ChangeRecord.Kind.DELETE)).isEqualTo("00");
        assertThat(encode(ColumnType.decimal(20, 2), false, null, ChangeRecord.Kind.DELETE)).isEqualTo("00".repeat(16));
        assertThatThrownBy(() -> encode(ColumnType.of(Kind.STRING), false, null))
                .hasMessageContaining("NULL in NOT NULL column c");
    }

    @Test
    void failedRowLeavesBufferUnchanged() {
        TableSchema schema = new TableSchema("t", "t", List.of(
                new ColumnSchema("a", ColumnType.of(Kind.INT32), false, "int4"),
                new ColumnSchema("b", ColumnType.of(Kind.STRING), false, "text")), List.of("a"));
        RowBinaryEncoder encoder = new RowBinaryEncoder(schema);
        RowBinaryBuffer buffer = new RowBinaryBuffer(8);
        encoder.encode(ChangeRecord.row("t", ChangeRecord.Kind.INSERT, 1, new Object[] {1L, "x"}), buffer);
        int size = buffer.size();
        assertThatThrownBy(() -> encoder.encode(
                ChangeRecord.row("t", ChangeRecord.Kind.INSERT, 1, new Object[] {2L, null}), buffer));
        assertThat(buffer.size()).isEqualTo(size);
    }
}
