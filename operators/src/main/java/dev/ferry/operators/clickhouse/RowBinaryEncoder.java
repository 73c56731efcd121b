package dev.ferry.operators.clickhouse;

import dev.ferry.state.record.ChangeRecord;
import dev.ferry.state.schema.ColumnSchema;
import dev.ferry.state.schema.ColumnType;
import dev.ferry.state.schema.TableSchema;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.List;
import java.util.UUID;

/**
 * Encodes a table's rows in ClickHouse's RowBinary format for the columns of
 * {@link ClickHouseTableDdl#insertColumns}: the source columns, then {@code _version} and
 * {@code _is_deleted}. A delete needs only its key, and a column the source dropped has no value:
 * those columns are written as NULL or their type's default. A NULL array is written empty
 * (ClickHouse arrays are never NULL).
 *
 * <p>Values the destination type cannot hold follow fixed rules, and each is reported to an
 * {@link Adjustments} listener: dates and timestamps outside ClickHouse's range (1900-01-01 ..
 * 2299-12-31, infinities included) are clamped to the nearest end; numeric NaN and infinities in a
 * Decimal column are written as NULL. A column whose type the spec chose
 * ({@link ClickHouseTypeOverrides}) gets values of the source's representation: a Decimal rounds
 * them half up to its scale and writes NULL for those beyond its precision; a JSON column writes
 * NULL (or, NOT NULL, an empty object) for a value that is not an object; a DateTime64 of fewer
 * digits truncates.
 */
public final class RowBinaryEncoder {
    /** Hears of every value written other than it came (see the class comment for the rules). */
    @FunctionalInterface
    public interface Adjustments {
        /** {@code written} is what was written instead of {@code value} (null: NULL). */
        void adjusted(ColumnSchema column, Object value, Object written, String key);
    }

    /** What a column does to a value it cannot hold: the value to write instead, or the value itself. */
    @FunctionalInterface
    private interface Adjuster {
        Object adjust(Object value);
    }

    static final int MIN_DATE32 = (int) LocalDate.of(1900, 1, 1).toEpochDay();
    static final int MAX_DATE32 = (int) LocalDate.of(2299, 12, 31).toEpochDay();
    static final long MIN_DATETIME64_MICROS = MIN_DATE32 * 86_400L * 1_000_000L;
    static final long MAX_DATETIME64_MICROS = (MAX_DATE32 + 1L) * 86_400L * 1_000_000L - 1;
    /** A JSON object column's default: the server refuses empty text there. */
    private static final byte[] EMPTY_OBJECT = "{}".getBytes(StandardCharsets.UTF_8);

    @FunctionalInterface
    private interface ValueWriter {
        void write(Object value, RowBinaryBuffer out);
    }

    private final String table;
    private final List<ColumnSchema> columns;
    private final ValueWriter[] writers;
    private final ValueWriter[] defaults;
    private final Adjuster[] converters;
    private final Adjuster[] adjusters;
    private final int[] keyColumns;
    private final Adjustments adjustments;
    private final boolean nullsAsDefaults;

    public RowBinaryEncoder(TableSchema schema) {
        this(schema, (column, value, written, key) -> {});
    }

    public RowBinaryEncoder(TableSchema schema, Adjustments adjustments) {
        this(schema, adjustments, false);
    }

    /**
     * @param nullsAsDefaults whether a NULL in a column that is not Nullable here (but may be NULL at
     *     the source: {@code allow_nullable_columns: false}) is written as the type's default rather
     *     than refused; key columns are never NULL
     */
    public RowBinaryEncoder(TableSchema schema, Adjustments adjustments, boolean nullsAsDefaults) {
        this.nullsAsDefaults = nullsAsDefaults;
        this.table = schema.sourceId();
        this.columns = schema.columns();
        this.adjustments = adjustments;
        keyColumns = schema.key().stream().mapToInt(schema::indexOf).toArray();
        writers = new ValueWriter[columns.size()];
        defaults = new ValueWriter[columns.size()];
        converters = new Adjuster[columns.size()];
        adjusters = new Adjuster[columns.size()];
        for (int i = 0; i < writers.length; i++) {
            ColumnSchema c = columns.get(i);
            converters[i] = converter(c.type());
            adjusters[i] = adjuster(c);
            ValueWriter plain = writer(c.type());
            ValueWriter def = defaultWriter(c.type());
            if (ClickHouseTypes.nullable(c)) {
                writers[i] = nullable(plain);
                defaults[i] = (v, out) -> out.writeByte(1);
            } else if (c.nullable()) {
                writers[i] = (v, out) -> {
                    if (v == null) {
                        def.write(null, out); // e.g. a NULL array becomes an empty one
                    } else {
                        plain.write(v, out);
                    }
                };
                defaults[i] = def;
            } else {
                writers[i] = plain;
                defaults[i] = def;
            }
        }
    }

    /** Appends one row; on failure the buffer is left as it was. */
    public void encode(ChangeRecord record, RowBinaryBuffer out) {
        Object[] values = record.values();
        int mark = out.size();
        boolean delete = record.isDelete();
        try {
            if (values.length != writers.length) {
                throw new IllegalArgumentException("has " + values.length + " values for " + writers.length + " columns");
            }
            for (int i = 0; i < writers.length; i++) {
                Object v = values[i];
                if (v != null && converters[i] != null) {
                    v = converters[i].adjust(v);
                }
                if (v != null && adjusters[i] != null) {
                    Object written = adjusters[i].adjust(v);
                    if (written != v) {
                        adjustments.adjusted(columns.get(i), v, written, key(values));
                        v = written;
                    }
                }
                if (v == null && (delete || columns.get(i).dropped() || nullsAsDefaults)) {
                    defaults[i].write(null, out);
                } else if (v == null && !columns.get(i).nullable()) {
                    throw new IllegalArgumentException("NULL in NOT NULL column " + columns.get(i).name());
                } else {
                    writers[i].write(v, out);
                }
            }
            out.writeLong(record.version());
            out.writeByte(delete ? 1 : 0);
        } catch (org.apache.flink.runtime.execution.SuppressRestartsException e) {
            out.truncate(mark);
            throw e; // an Adjustments that refuses a value: it says why
        } catch (RuntimeException e) {
            out.truncate(mark);
            throw new IllegalArgumentException("cannot encode a row of " + table + ": " + e.getMessage(), e);
        }
    }

    private String key(Object[] values) {
        StringBuilder key = new StringBuilder();
        for (int k : keyColumns) {
            key.append(key.length() == 0 ? "" : ", ").append(values[k]);
        }
        return key.toString();
    }

    private static Adjuster adjuster(ColumnSchema column) {
        ColumnType type = column.type();
        return switch (type.kind()) {
            case DECIMAL -> decimalAdjuster(type.precision(), type.scale());
            case JSON -> !type.isJsonObject() ? null
                    : v -> isObject((String) v) ? v : column.nullable() ? null : "{}";
            case DATE -> v -> {
                int days = (Integer) v;
                return days < MIN_DATE32 ? (Object) MIN_DATE32 : days > MAX_DATE32 ? (Object) MAX_DATE32 : v;
            };
            case TIMESTAMP, TIMESTAMPTZ -> v -> {
                long micros = (Long) v;
                return micros < MIN_DATETIME64_MICROS ? (Object) MIN_DATETIME64_MICROS
                        : micros > MAX_DATETIME64_MICROS ? (Object) MAX_DATETIME64_MICROS : v;
            };
            default -> null;
        };
    }

    /**
     * A value of the source's representation as the column's type takes it, where the spec made the
     * column a Decimal: integers and the exact text of an unbounded numeric as BigDecimal (NaN and the
     * infinities stay text, which no Decimal holds). Null when the column needs none.
     */
    private static Adjuster converter(ColumnType type) {
        if (type.kind() != ColumnType.Kind.DECIMAL) {
            return null;
        }
        return v -> v instanceof Long l ? BigDecimal.valueOf(l)
                : v instanceof String s && !s.equals("NaN") && !s.endsWith("Infinity") ? new BigDecimal(s) : v;
    }

    /** A decimal as the column holds it: rounded half up to its scale; NULL beyond its precision, and for NaN, Infinity. */
    private static Adjuster decimalAdjuster(int precision, int scale) {
        BigInteger limit = BigInteger.TEN.pow(precision);
        return v -> {
            if (v instanceof String) {
                return null;
            }
            BigDecimal exact = (BigDecimal) v;
            if (exact.scale() == scale && exact.precision() <= precision) {
                return v; // as the source's numeric(p, s) sends it: nothing to round, nothing to allocate
            }
            BigDecimal rounded = exact.setScale(scale, RoundingMode.HALF_UP);
            if (rounded.unscaledValue().abs().compareTo(limit) >= 0) {
                return null;
            }
            return rounded.compareTo(exact) == 0 ? v : rounded;
        };
    }

    private static boolean isObject(String json) {
        for (int i = 0; i < json.length(); i++) {
            if (!Character.isWhitespace(json.charAt(i))) {
                return json.charAt(i) == '{';
            }
        }
        return false;
    }

    private static ValueWriter nullable(ValueWriter plain) {
        return (v, out) -> {
            if (v == null) {
                out.writeByte(1);
            } else {
                out.writeByte(0);
                plain.write(v, out);
            }
        };
    }

    private static ValueWriter writer(ColumnType type) {
        return switch (type.kind()) {
            case BOOL -> (v, out) -> out.writeByte((Boolean) v ? 1 : 0);
            case INT16 -> (v, out) -> out.writeShort((int) (long) (Long) v);
            case INT32, UINT32 -> (v, out) -> out.writeInt((int) (long) (Long) v);
            case INT64 -> (v, out) -> out.writeLong((Long) v);
            case FLOAT32 -> (v, out) -> out.writeInt(Float.floatToRawIntBits((Float) v));
            case FLOAT64 -> (v, out) -> out.writeLong(Double.doubleToRawLongBits((Double) v));
            case DECIMAL -> decimal(type.precision(), type.scale());
            case STRING, JSON, ENUM -> (v, out) -> out.writeBytes(((String) v).getBytes(StandardCharsets.UTF_8));
            case BYTES -> (v, out) -> out.writeBytes((byte[]) v);
            case DATE -> (v, out) -> out.writeInt((Integer) v);
            case TIMESTAMP, TIMESTAMPTZ -> {
                long perTick = (long) Math.pow(10, 6 - type.precision()); // DateTime64(p) counts 10^-p seconds
                yield perTick == 1 ? (v, out) -> out.writeLong((Long) v)
                        : (v, out) -> out.writeLong(Math.floorDiv((Long) v, perTick));
            }
            case UUID -> (v, out) -> {
                UUID u = (UUID) v;
                out.writeLong(u.getMostSignificantBits());
                out.writeLong(u.getLeastSignificantBits());
            };
            case ARRAY -> {
                ValueWriter element = nullable(writer(type.element()));
                yield (v, out) -> {
                    Object[] a = (Object[]) v;
                    out.writeVarint(a.length);
                    for (Object e : a) {
                        element.write(e, out);
                    }
                };
            }
        };
    }

    private static ValueWriter decimal(int precision, int scale) {
        int width = decimalWidth(precision);
        BigInteger limit = BigInteger.TEN.pow(precision);
        return (v, out) -> {
            BigDecimal d = (BigDecimal) v;
            if (width <= 8 && d.scale() == scale && d.precision() <= precision) {
                long unscaled = d.movePointRight(scale).longValue(); // at most 18 digits: exact
                if (width == 4) {
                    out.writeInt((int) unscaled);
                } else {
                    out.writeLong(unscaled);
                }
                return;
            }
            BigInteger unscaled = d.setScale(scale, RoundingMode.UNNECESSARY).unscaledValue();
            if (unscaled.abs().compareTo(limit) >= 0) {
                throw new ArithmeticException(v + " does not fit Decimal(" + precision + ", " + scale + ")");
            }
            switch (width) {
                case 4 -> out.writeInt(unscaled.intValueExact());
                case 8 -> out.writeLong(unscaled.longValueExact());
                default -> out.writeBigEndianAsLittle(unscaled.toByteArray(), width);
            }
        };
    }

    /** Bytes of Decimal(p, s): Decimal32, 64, 128 or 256. */
    private static int decimalWidth(int precision) {
        return precision <= 9 ? 4 : precision <= 18 ? 8 : precision <= 38 ? 16 : 32;
    }

    /** What a delete writes for a column it has no value for. */
    private static ValueWriter defaultWriter(ColumnType type) {
        return switch (type.kind()) {
            case BOOL -> (v, out) -> out.writeByte(0);
            case INT16 -> (v, out) -> out.writeShort(0);
            case INT32, UINT32, DATE -> (v, out) -> out.writeInt(0);
            case INT64, FLOAT64, TIMESTAMP, TIMESTAMPTZ -> (v, out) -> out.writeLong(0);
            case FLOAT32 -> (v, out) -> out.writeInt(0);
            case DECIMAL -> (v, out) -> out.writeBigEndianAsLittle(new byte[0], decimalWidth(type.precision()));
            case JSON -> type.isJsonObject() ? (v, out) -> out.writeBytes(EMPTY_OBJECT) : (v, out) -> out.writeVarint(0);
            case STRING, ENUM, BYTES, ARRAY -> (v, out) -> out.writeVarint(0);
            case UUID -> (v, out) -> {
                out.writeLong(0);
                out.writeLong(0);
            };
        };
    }
}
