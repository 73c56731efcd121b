package dev.ferry.operators.clickhouse;

import dev.ferry.state.schema.ColumnType;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.StringJoiner;
import java.util.UUID;

/**
 * A canonical column value (see {@link ColumnType}) as a ClickHouse SQL expression of the column's
 * type, for a column's DEFAULT. Values are adjusted the way {@link RowBinaryEncoder} writes them:
 * dates and timestamps clamped to ClickHouse's range, numeric specials NULL.
 */
final class ClickHouseLiterals {
    private static final DateTimeFormatter MICROS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");

    private ClickHouseLiterals() {}

    static String of(Object value, ColumnType type) {
        if (value == null) {
            return "NULL";
        }
        return switch (type.kind()) {
            case BOOL -> (Boolean) value ? "true" : "false";
            case INT16, INT32, INT64, UINT32 -> value.toString();
            case FLOAT32, FLOAT64 -> {
                double d = ((Number) value).doubleValue();
                yield Double.isNaN(d) ? "nan" : Double.isInfinite(d) ? (d > 0 ? "inf" : "-inf")
                        : "toFloat64(" + ClickHouseSql.quoteLiteral(value.toString()) + ")";
            }
            case DECIMAL -> value instanceof BigDecimal d
                    ? "toDecimal256(" + ClickHouseSql.quoteLiteral(d.toPlainString()) + ", " + type.scale() + ")" : "NULL";
            case STRING, JSON, ENUM -> ClickHouseSql.quoteLiteral((String) value);
            case BYTES -> "unhex('" + HexFormat.of().formatHex((byte[]) value) + "')";
            case DATE -> "toDate32('" + LocalDate.ofEpochDay(Math.max(RowBinaryEncoder.MIN_DATE32,
                    Math.min(RowBinaryEncoder.MAX_DATE32, (Integer) value))) + "')";
            case TIMESTAMP, TIMESTAMPTZ -> {
                long micros = Math.max(RowBinaryEncoder.MIN_DATETIME64_MICROS,
                        Math.min(RowBinaryEncoder.MAX_DATETIME64_MICROS, (Long) value));
                LocalDateTime t = LocalDateTime.ofEpochSecond(Math.floorDiv(micros, 1_000_000L),
                        (int) Math.floorMod(micros, 1_000_000L) * 1000, ZoneOffset.UTC);
                yield "toDateTime64('" + MICROS.format(t) + "', 6" + (type.kind() == ColumnType.Kind.TIMESTAMPTZ
                        ? ", 'UTC')" : ")");
            }
            case UUID -> "toUUID('" + (UUID) value + "')";
            case ARRAY -> {
                StringJoiner elements = new StringJoiner(", ", "[", "]");
                for (Object e : (Object[]) value) {
                    elements.add(of(e, type.element()));
                }
                yield elements.toString();
            }
        };
    }
}
