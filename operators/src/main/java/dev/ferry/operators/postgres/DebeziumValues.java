package dev.ferry.operators.postgres;

import dev.ferry.state.schema.ColumnSchema;
import dev.ferry.state.schema.ColumnType;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;

/**
 * Turns the values Debezium delivers for a Postgres column into Ferry's canonical values, equal to
 * what the initial load reads for the same value (see {@link PostgresRowReader}). Debezium runs with
 * {@code decimal.handling.mode=string}, {@code interval.handling.mode=string},
 * {@code binary.handling.mode=bytes}.
 */
final class DebeziumValues {
    /** What Debezium puts in place of a TOASTed value an update left unchanged. */
    static final String UNCHANGED_TOAST = "__debezium_unavailable_value";
    /** Debezium's days for Postgres' date infinities: Postgres' int32 sentinel plus 10957 days, wrapped. */
    private static final int DEBEZIUM_DATE_INFINITY = Integer.MAX_VALUE + 10957;
    private static final int DEBEZIUM_DATE_MINUS_INFINITY = Integer.MIN_VALUE + 10957;

    private DebeziumValues() {}

    /** Thrown for a value the stream cannot carry faithfully; the message says what to do. */
    static final class UnfaithfulValueException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        UnfaithfulValueException(String message) {
            super(message);
        }
    }

    static Object convert(Object value, Schema schema, ColumnSchema column) {
        if (value == null) {
            return null;
        }
        if (UNCHANGED_TOAST.equals(value) || (value instanceof ByteBuffer b && UNCHANGED_TOAST.equals(utf8(b.duplicate())))) {
            throw new UnfaithfulValueException("column " + column.name() + " holds a TOASTed value the change left"
                    + " unchanged, and the table does not log it");
        }
        return convert(value, schema, column.type(), column.sourceType());
    }

    private static Object convert(Object value, Schema schema, ColumnType type, String sourceType) {
        if (value == null) {
            return null;
        }
        String logical = schema == null ? null : schema.name();
        return switch (type.kind()) {
            case BOOL -> value;
            case INT16, INT32, INT64, UINT32 -> ((Number) value).longValue();
            case FLOAT32 -> ((Number) value).floatValue();
            case FLOAT64 -> ((Number) value).doubleValue();
            case DECIMAL -> decimal(value.toString());
            case STRING -> text(value, logical, sourceType);
            case JSON, ENUM -> value.toString();
            case BYTES -> bytes(value);
            case DATE -> date(((Number) value).intValue());
            case TIMESTAMP -> timestamp(((Number) value).longValue(), logical);
            case TIMESTAMPTZ -> zonedTimestamp(value.toString());
            case UUID -> UUID.fromString(value.toString());
            case ARRAY -> {
                List<?> list = (List<?>) value;
                Schema elementSchema = schema == null ? null : schema.valueSchema();
                String elementType = sourceType.endsWith("[]") ? sourceType.substring(0, sourceType.length() - 2) : sourceType;
                Object[] out = new Object[list.size()];
                for (int i = 0; i < out.length; i++) {
                    out[i] = convert(list.get(i), elementSchema, type.element(), elementType);
                }
                yield out;
            }
        };
    }

    /** NaN and infinities have no Decimal form: NULL, as in the initial load. */
    private static BigDecimal decimal(String text) {
        return numericSpecial(text) != null ? null : new BigDecimal(text);
    }

    /** Postgres' spelling of a numeric NaN or infinity (Debezium writes NAN, INFINITY), else null. */
    private static String numericSpecial(String text) {
        return switch (text.toUpperCase(java.util.Locale.ROOT)) {
            case "NAN" -> "NaN";
            case "INFINITY" -> "Infinity";
            case "-INFINITY" -> "-Infinity";
            default -> null;
        };
    }

    /** Strings the initial load reads as Postgres' text output. */
    private static String text(Object value, String logical, String sourceType) {
        if (value instanceof Struct s) {
            if (s.schema().field("x") != null && s.schema().field("y") != null) {
                return PostgresTextForms.point(s.getFloat64("x"), s.getFloat64("y"));
            }
            return s.toString();
        }
        if (value instanceof ByteBuffer b) {
            return utf8(b.duplicate());
        }
        if (value instanceof byte[] b) {
            return new String(b, StandardCharsets.UTF_8);
        }
        if ("io.debezium.time.MicroTime".equals(logical)) {
            return PostgresTextForms.time(((Number) value).longValue());
        }
        if ("io.debezium.time.Time".equals(logical)) {
            return PostgresTextForms.time(((Number) value).longValue() * 1000);
        }
        if ("io.debezium.time.ZonedTime".equals(logical)) {
            return PostgresTextForms.timeTzUtc(value.toString());
        }
        if ("io.debezium.time.Interval".equals(logical)) {
            return PostgresTextForms.interval(value.toString());
        }
        if ("io.debezium.time.Date".equals(logical) || "date".equals(sourceType)) {
            Integer days = date(((Number) value).intValue());
            return days == Integer.MAX_VALUE ? "infinity" : days == Integer.MIN_VALUE ? "-infinity"
                    : PostgresTextForms.date(days);
        }
        if (sourceType.equals("numeric")) {
            String special = numericSpecial(value.toString());
            return special != null ? special : value.toString();
        }
        if (sourceType.equals("money")) {
            return new BigDecimal(value.toString()).stripTrailingZeros().toPlainString();
        }
        return value.toString();
    }

    private static byte[] bytes(Object value) {
        if (value instanceof ByteBuffer b) {
            ByteBuffer d = b.duplicate();
            byte[] out = new byte[d.remaining()];
            d.get(out);
            return out;
        }
        return (byte[]) value;
    }

    private static Integer date(int debeziumDays) {
        if (debeziumDays == DEBEZIUM_DATE_INFINITY) {
            return Integer.MAX_VALUE;
        }
        if (debeziumDays == DEBEZIUM_DATE_MINUS_INFINITY) {
            return Integer.MIN_VALUE;
        }
        return debeziumDays;
    }

    private static Long timestamp(long value, String logical) {
        if ("io.debezium.time.Timestamp".equals(logical)) {
            try {
                return Math.multiplyExact(value, 1000L);
            } catch (ArithmeticException overflow) {
                return value > 0 ? Long.MAX_VALUE : Long.MIN_VALUE; // clamped at the destination like any extreme
            }
        }
        if ("io.debezium.time.NanoTimestamp".equals(logical)) {
            return value / 1000;
        }
        return value;
    }

    private static Long zonedTimestamp(String iso) {
        return switch (iso) {
            case "infinity" -> Long.MAX_VALUE;
            case "-infinity" -> Long.MIN_VALUE;
            default -> {
                Instant t = Instant.parse(iso);
                yield PostgresRowReader.micros(t.atOffset(java.time.ZoneOffset.UTC));
            }
        };
    }

    private static String utf8(ByteBuffer b) {
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
