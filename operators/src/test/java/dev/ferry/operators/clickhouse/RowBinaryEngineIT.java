package dev.ferry.operators.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import com.clickhouse.client.api.insert.InsertSettings;
import com.clickhouse.data.ClickHouseFormat;
import dev.ferry.state.record.ChangeRecord;
import dev.ferry.state.schema.ColumnSchema;
import dev.ferry.state.schema.ColumnType;
import dev.ferry.state.schema.ColumnType.Kind;
import dev.ferry.state.schema.TableSchema;
import dev.ferry.testing.ClickHouseTestDatabase;
import java.math.BigDecimal;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every column kind, encoded by Ferry and read back by the real engine as text. */
class RowBinaryEngineIT {
    private static ClickHouseTestDatabase ch;

    @BeforeAll
    static void database() {
        ch = new ClickHouseTestDatabase("rowbinary");
        ch.execute(ClickHouseTableDdl.createDatabase(ch.name()));
    }

    @AfterAll
    static void drop() {
        ch.close();
    }

    static List<Arguments> values() {
        return List.of(
                Arguments.of(ColumnType.of(Kind.BOOL), false, true, "true"),
                Arguments.of(ColumnType.of(Kind.INT16), false, -32768L, "-32768"),
                Arguments.of(ColumnType.of(Kind.INT32), true, null, "\\N"),
                Arguments.of(ColumnType.of(Kind.INT64), false, Long.MAX_VALUE, "9223372036854775807"),
                Arguments.of(ColumnType.of(Kind.UINT32), false, 4294967295L, "4294967295"),
                Arguments.of(ColumnType.of(Kind.FLOAT32), false, 1.5f, "1.5"),
                Arguments.of(ColumnType.of(Kind.FLOAT64), true, Double.NEGATIVE_INFINITY, "-inf"),
                Arguments.of(ColumnType.decimal(9, 2), true, new BigDecimal("-1234567.89"), "-1234567.89"),
                Arguments.of(ColumnType.decimal(18, 3), false, new BigDecimal("123456789012345.678"), "123456789012345.678"),
                Arguments.of(ColumnType.decimal(38, 10), false, new BigDecimal("-1234567890123456789012345678.0123456789"),
                        "-1234567890123456789012345678.0123456789"),
                Arguments.of(ColumnType.decimal(76, 38), true, new BigDecimal("1.5"), "1.5"),
                Arguments.of(ColumnType.of(Kind.STRING), false, "a\n\nb\tž🐎", "a\\n\\nb\\tž🐎"),
                Arguments.of(ColumnType.of(Kind.JSON), true, "{\"a\":1}", "{\"a\":1}"),
                Arguments.of(ColumnType.of(Kind.ENUM), true, "happy", "happy"),
                Arguments.of(ColumnType.of(Kind.ENUM), false, "sad", "sad"),
                Arguments.of(ColumnType.of(Kind.BYTES), false, new byte[] {0, 10, 10, 65}, "\\0\\n\\nA"),
                Arguments.of(ColumnType.of(Kind.DATE), false, 18262, "2020-01-01"),
                Arguments.of(ColumnType.of(Kind.DATE), false, Integer.MAX_VALUE, "2299-12-31"),
                Arguments.of(ColumnType.of(Kind.TIMESTAMP), false, 1_577_836_800_123_456L, "2020-01-01 00:00:00.123456"),
                Arguments.of(ColumnType.of(Kind.TIMESTAMPTZ), true, Long.MIN_VALUE, "1900-01-01 00:00:00.000000"),
                Arguments.of(ColumnType.of(Kind.UUID), false, UUID.fromString("00112233-4455-6677-8899-aabbccddeeff"),
                        "00112233-4455-6677-8899-aabbccddeeff"),
                Arguments.of(ColumnType.arrayOf(ColumnType.of(Kind.INT32)), false, new Object[] {1L, null, -3L},
                        "[1,NULL,-3]"),
                Arguments.of(ColumnType.arrayOf(ColumnType.of(Kind.STRING)), true, new Object[] {"x", null},
                        "['x',NULL]"),
                Arguments.of(ColumnType.arrayOf(ColumnType.of(Kind.STRING)), true, null, "[]"));
    }

    @ParameterizedTest(name = "{0} nullable={1}")
    @MethodSource("values")
    void engineReadsWhatFerryWrites(ColumnType type, boolean nullable, Object value, String expected) throws Exception {
        String table = "t_" + Integer.toHexString(System.identityHashCode(value) ^ type.hashCode());
        TableSchema schema = new TableSchema("s." + table, table, List.of(
                new ColumnSchema("k", ColumnType.of(Kind.INT32), false, "int4"),
                new ColumnSchema("v", type, nullable, "x")), List.of("k"));
        ch.execute(ClickHouseTableDdl.createTable(ch.name(), schema));
        RowBinaryBuffer buffer = new RowBinaryBuffer(64);
        RowBinaryEncoder encoder = new RowBinaryEncoder(schema);
        encoder.encode(ChangeRecord.row(schema.sourceId(), ChangeRecord.Kind.SNAPSHOT, 7, new Object[] {1L, value}), buffer);
        encoder.encode(ChangeRecord.row(schema.sourceId(), ChangeRecord.Kind.DELETE, 8, new Object[] {2L, null}), buffer);
        ch.client().insert(ClickHouseSql.qualified(ch.name(), table),
                ClickHouseTableDdl.insertColumns(schema).stream().map(ClickHouseSql::quoteIdent).toList(),
                buffer::writeTo, ClickHouseFormat.RowBinary, new InsertSettings()).get(1, TimeUnit.MINUTES).close();
        var rows = ch.query("SELECT k, formatRow('TSV', v), _version, _is_deleted FROM " + ClickHouseSql.qualified(ch.name(), table)
                + " ORDER BY k");
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0).getString(2).strip()).isEqualTo(expected);
        assertThat(rows.get(0).getLong(3)).isEqualTo(7);
        assertThat(rows.get(1).getLong(4)).isEqualTo(1);
    }
}
