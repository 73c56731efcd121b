package dev.ferry.operators.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.state.record.ChangeRecord;
import dev.ferry.state.schema.ColumnSchema;
import dev.ferry.state.schema.ColumnType;
import dev.ferry.state.schema.ColumnType.Kind;
import dev.ferry.state.schema.TableSchema;
import dev.ferry.state.spec.DestinationTable;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ClickHouseTypeOverridesTest {
    private static final TableSchema T = new TableSchema("public.t", "t", List.of(
            new ColumnSchema("id", ColumnType.of(Kind.INT32), false, "int4").withPosition(1),
            new ColumnSchema("amount", ColumnType.of(Kind.STRING), true, "numeric").withPosition(2),
            new ColumnSchema("note", ColumnType.of(Kind.STRING), false, "text").withPosition(3),
            new ColumnSchema("at", ColumnType.of(Kind.TIMESTAMPTZ), true, "timestamptz").withPosition(4),
            new ColumnSchema("doc", ColumnType.of(Kind.JSON), false, "jsonb").withPosition(5)),
            List.of("id"));

    private static DestinationTable types(String... columnAndType) {
        Map<String, String> types = new LinkedHashMap<>();
        for (int i = 0; i < columnAndType.length; i += 2) {
            types.put(columnAndType[i], columnAndType[i + 1]);
        }
        return new DestinationTable(List.of(), List.of(), null, null, DestinationTable.Deletes.SOFT, types, null, null, null, false);
    }

    @Test
    void chosenTypesReplaceTheMappedOnesAndApplyingTwiceChangesNothing() {
        DestinationTable d = types("amount", "Decimal(18, 2)", "note", "LowCardinality(String)", "at",
                "DateTime64(3, 'UTC')", "doc", "JSON");
        TableSchema once = ClickHouseTypeOverrides.apply(T, d);
        assertThat(once.columns()).extracting(ClickHouseTypes::of).containsExactly("Int32",
                "Nullable(Decimal(18, 2))", "LowCardinality(String)", "Nullable(DateTime64(3, 'UTC'))", "JSON");
        assertThat(ClickHouseTypeOverrides.apply(once, d)).isEqualTo(once);
        assertThat(ClickHouseTypeOverrides.apply(T, DestinationTable.DEFAULT)).isSameAs(T);
    }

    /** json_type: json and numeric_type choose for the json and unbounded numeric columns column_types does not name. */
    @Test
    void tableWideTypesTakeTheColumnsColumnTypesLeaves() {
        DestinationTable d = new DestinationTable(List.of(), List.of(), null, null, DestinationTable.Deletes.SOFT,
                Map.of("note", "LowCardinality(String)"), DestinationTable.JsonType.JSON, "Decimal(38, 10)", null, false);
        assertThat(ClickHouseTypeOverrides.apply(T, d).columns()).extracting(ClickHouseTypes::of).containsExactly(
                "Int32", "Nullable(Decimal(38, 10))", "LowCardinality(String)", "Nullable(DateTime64(6, 'UTC'))", "JSON");
        // column_types wins over numeric_type; auto not decided yet is text
        DestinationTable named = new DestinationTable(List.of(), List.of(), null, null, DestinationTable.Deletes.SOFT,
                Map.of("amount", "Decimal(10, 2)"), DestinationTable.JsonType.AUTO, "Decimal(38, 10)", null, false);
        assertThat(ClickHouseTypeOverrides.apply(T, named).columns()).extracting(ClickHouseTypes::of).containsExactly(
                "Int32", "Nullable(Decimal(10, 2))", "String", "Nullable(DateTime64(6, 'UTC'))", "String");
    }

    /** allow_nullable_columns: false: nothing is Nullable, and a NULL is the type's default. */
    @Test
    void withoutNullableColumnsNullsAreWrittenAsDefaults() throws Exception {
        TableSchema plain = ClickHouseTypeOverrides.apply(T, DestinationTable.DEFAULT.asNonNullable());
        assertThat(plain.columns()).extracting(ClickHouseTypes::of)
                .containsExactly("Int32", "String", "String", "DateTime64(6, 'UTC')", "String");
        RowBinaryBuffer buffer = new RowBinaryBuffer(64);
        new RowBinaryEncoder(plain, (c, v, w, k) -> { }, true).encode(ChangeRecord.row("public.t",
                ChangeRecord.Kind.INSERT, 1, new Object[] {1L, null, "n", null, "{}"}), buffer);
        assertThat(hex(buffer)).startsWith("01000000" + "00" + "016e" + "0000000000000000" + "027b7d");
        assertThatThrownBy(() -> new RowBinaryEncoder(plain).encode(ChangeRecord.row("public.t", ChangeRecord.Kind.INSERT,
                1, new Object[] {1L, null, "n", null, "{}"}), new RowBinaryBuffer(64)))
                .hasMessageContaining("NULL in NOT NULL column amount");
    }

    @Test
    void typesThatDoNotFitTheSourceColumnAreRefusedAtSetupAndGiveWayLater() {
        assertThatThrownBy(() -> ClickHouseTypeOverrides.check(T, types("note", "Decimal(10, 2)")))
                .hasMessage("public.t: column_types gives note (text) the type Decimal(10, 2), which takes numeric and"
                        + " integer columns");
        assertThatThrownBy(() -> ClickHouseTypeOverrides.check(T, types("at", "DateTime64(3)")))
                .hasMessageEndingWith("which takes timestamp (without time zone) columns; DateTime64(P, 'UTC') takes"
                        + " timestamptz");
        assertThatThrownBy(() -> ClickHouseTypeOverrides.check(T, types("id", "Decimal(10, 0)")))
                .hasMessage("public.t: column_types cannot change id, a column of its sorting key");
        assertThatThrownBy(() -> ClickHouseTypeOverrides.check(T, types("gone", "JSON")))
                .hasMessage("public.t: column_types names gone, which is not a column it replicates");
        assertThatThrownBy(() -> ClickHouseTypeOverrides.check(T, types("note", "FixedString(3)")))
                .hasMessageEndingWith("which column_types does not offer (it offers LowCardinality(String), Decimal(P, S),"
                        + " DateTime64(P), DateTime64(P, 'UTC'), JSON)");
        // after Setup, a column retyped at the source keeps its mapped type rather than stop the pipe
        assertThat(ClickHouseTypeOverrides.apply(T, types("note", "Decimal(10, 2)"))).isEqualTo(T);
    }

    /** Random values against the rules computed with BigDecimal directly; the seed is printed. */
    @Test
    void decimalsRoundHalfUpAndBeyondThePrecisionAreNull() throws Exception {
        long seed = Long.getLong("ferry.types.seed", System.nanoTime());
        System.out.println("decimal rules seed: " + seed);
        Random random = new Random(seed);
        TableSchema typed = ClickHouseTypeOverrides.apply(T, types("amount", "Decimal(6, 2)"));
        List<Object[]> adjusted = new ArrayList<>();
        RowBinaryEncoder encoder = new RowBinaryEncoder(typed, (c, v, w, k) -> adjusted.add(new Object[] {v, w}));
        for (int i = 0; i < 2000; i++) {
            BigDecimal value = new BigDecimal(random.nextLong() % 100_000_000L).movePointLeft(random.nextInt(6));
            String text = random.nextInt(50) == 0 ? "NaN" : value.toPlainString();
            RowBinaryBuffer buffer = new RowBinaryBuffer(64);
            adjusted.clear();
            encoder.encode(ChangeRecord.row("public.t", ChangeRecord.Kind.INSERT, 1,
                    new Object[] {1L, text, "n", null, "{}"}), buffer);
            String hex = hex(buffer);
            BigDecimal rounded = text.equals("NaN") ? null : value.setScale(2, java.math.RoundingMode.HALF_UP);
            BigDecimal expected = rounded == null || rounded.abs().compareTo(new BigDecimal("10000")) >= 0 ? null : rounded;
            // Int32 id, then Nullable(Decimal32): flag byte and the unscaled value, little-endian
            String amount = hex.substring(8, expected == null ? 10 : 18);
            assertThat(amount).as(text).isEqualTo(expected == null ? "01"
                    : "00" + HexFormat.of().formatHex(littleEndian(expected.unscaledValue().intValueExact())));
            assertThat(adjusted).as(text + " counted as adjusted")
                    .hasSize(expected != null && expected.compareTo(value) == 0 && !text.equals("NaN") ? 0 : 1);
        }
    }

    @Test
    void timestampsTruncateToTheChosenDigitsAndJsonThatIsNoObjectIsNull() throws Exception {
        TableSchema typed = ClickHouseTypeOverrides.apply(T, types("at", "DateTime64(3, 'UTC')", "doc", "JSON"));
        RowBinaryBuffer buffer = new RowBinaryBuffer(64);
        new RowBinaryEncoder(typed).encode(ChangeRecord.row("public.t", ChangeRecord.Kind.INSERT, 1,
                new Object[] {1L, null, "n", -1_500L, "[1]"}), buffer);
        // at: -1500 microseconds floor to -2 milliseconds; doc: NOT NULL, so an array becomes {}
        assertThat(hex(buffer)).startsWith("01000000" + "01" + "016e" + "00" + "feffffffffffffff" + "027b7d");
    }

    private static byte[] littleEndian(int v) {
        return new byte[] {(byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)};
    }

    private static String hex(RowBinaryBuffer buffer) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        buffer.writeTo(out);
        return HexFormat.of().formatHex(out.toByteArray());
    }
}
