package dev.ferry.operators.postgres.snapshot;

import dev.ferry.operators.postgres.PostgresTextValues;
import dev.ferry.state.schema.ColumnSchema;
import dev.ferry.state.schema.ColumnType;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/**
 * Turns a JDBC row into canonical values (see {@link ColumnType}). Extraction is decided once per
 * column, not per value. Infinite dates and timestamps become the Integer/Long extremes, which the
 * destination clamps to its range like any other out-of-range value.
 */
public final class PostgresRowReader {

    @FunctionalInterface
    private interface Extractor {
        Object get(ResultSet rs, int index) throws SQLException;
    }

    private final Extractor[] extractors;

    public PostgresRowReader(List<ColumnSchema> columns) {
        extractors = new Extractor[columns.size()];
        for (int i = 0; i < extractors.length; i++) {
            extractors[i] = extractor(columns.get(i));
        }
    }

    /** Values of the current row, from result set column {@code first} on. */
    public Object[] read(ResultSet rs, int first) throws SQLException {
        Object[] values = new Object[extractors.length];
        for (int i = 0; i < extractors.length; i++) {
            values[i] = extractors[i].get(rs, first + i);
        }
        return values;
    }

    private static Extractor extractor(ColumnSchema column) {
        return switch (column.type().kind()) {
            case BOOL -> (rs, i) -> {
                boolean v = rs.getBoolean(i);
                return rs.wasNull() ? null : v;
            };
            case INT16, INT32, INT64 -> new FromBytes(PostgresRowReader::binaryInteger, (rs, i) -> {
                long v = rs.getLong(i);
                return rs.wasNull() ? null : v;
            });
            case UINT32 -> (rs, i) -> {
                long v = rs.getLong(i);
                return rs.wasNull() ? null : v;
            };
            case FLOAT32 -> (rs, i) -> {
                float v = rs.getFloat(i);
                return rs.wasNull() ? null : v;
            };
            case FLOAT64 -> new FromBytes(raw -> raw.length == 8 ? Double.longBitsToDouble(bigEndian(raw)) : null, (rs, i) -> {
                double v = rs.getDouble(i);
                return rs.wasNull() ? null : v;
            });
            case DECIMAL -> new FromBytes(PostgresRowReader::binaryNumeric, PostgresRowReader::decimal);
            case STRING, JSON, ENUM -> new FromBytes(raw -> new String(raw, StandardCharsets.UTF_8), ResultSet::getString);
            case BYTES -> ResultSet::getBytes;
            case DATE -> new FromBytes(raw -> raw.length == 4 ? datetime(raw) : null,
                    (rs, i) -> days(rs.getObject(i, LocalDate.class)));
            case TIMESTAMP -> new FromBytes(raw -> raw.length == 8 ? datetime(raw) : null,
                    (rs, i) -> micros(rs.getObject(i, LocalDateTime.class)));
            case TIMESTAMPTZ -> new FromBytes(raw -> raw.length == 8 ? datetime(raw) : null,
                    (rs, i) -> micros(rs.getObject(i, OffsetDateTime.class)));
            case UUID -> (rs, i) -> rs.getObject(i, UUID.class);
            case ARRAY -> (rs, i) -> PostgresTextValues.parse(rs.getString(i), column); // selected as text
        };
    }

    /**
     * A value decoded from the bytes the driver received, skipping its per-value work (pgjdbc's own
     * UTF-8 decoder, BigInteger arithmetic for numeric, java.time objects for dates). The first value a
     * column decodes is also read the driver's way, and if the two differ (a result in another format
     * than assumed) the column keeps using the driver; so does any value the decoder declines (null).
     */
    private static final class FromBytes implements Extractor {
        private final Function<byte[], Object> decoder;
        private final Extractor driver;
        private Boolean agrees;

        FromBytes(Function<byte[], Object> decoder, Extractor driver) {
            this.decoder = decoder;
            this.driver = driver;
        }

        @Override
        public Object get(ResultSet rs, int index) throws SQLException {
            if (Boolean.FALSE.equals(agrees)) {
                return driver.get(rs, index);
            }
            byte[] raw = rs.getBytes(index);
            if (raw == null) {
                return null;
            }
            Object value = decoder.apply(raw);
            if (value == null) {
                return driver.get(rs, index);
            }
            if (agrees == null) {
                Object expected = driver.get(rs, index);
                agrees = value.equals(expected);
                return expected;
            }
            return value;
        }
    }

    private static final int DAYS_1970_TO_2000 = 10_957;
    private static final long MICROS_1970_TO_2000 = DAYS_1970_TO_2000 * 86_400_000_000L;

    /** A signed big-endian integer of 2, 4 or 8 bytes (int2, int4, int8), as a long. */
    private static Object binaryInteger(byte[] raw) {
        return switch (raw.length) {
            case 2 -> (long) (short) bigEndian(raw);
            case 4 -> (long) (int) bigEndian(raw);
            case 8 -> bigEndian(raw);
            default -> null;
        };
    }

    private static long bigEndian(byte[] raw) {
        long v = 0;
        for (byte b : raw) {
            v = (v << 8) | (b & 0xff);
        }
        return v;
    }

    /** A date (4 bytes: days) or timestamp (8: microseconds) since 2000-01-01; infinities are the integer extremes. */
    private static Object datetime(byte[] raw) {
        long v = bigEndian(raw);
        if (raw.length == 4) {
            int days = (int) v;
            return days == Integer.MAX_VALUE || days == Integer.MIN_VALUE ? days : days + DAYS_1970_TO_2000;
        }
        if (v == Long.MAX_VALUE || v == Long.MIN_VALUE) {
            return v;
        }
        long micros = v + MICROS_1970_TO_2000;
        return ((v ^ micros) & (MICROS_1970_TO_2000 ^ micros)) < 0 ? Long.MAX_VALUE - 1 : micros; // saturate
    }

    private static final long[] POWERS_OF_TEN = new long[19];

    static {
        POWERS_OF_TEN[0] = 1;
        for (int i = 1; i < POWERS_OF_TEN.length; i++) {
            POWERS_OF_TEN[i] = POWERS_OF_TEN[i - 1] * 10;
        }
    }

    /**
     * A numeric in Postgres' binary form (digit count, weight, sign, display scale, then base-10000
     * digits) whose unscaled value fits a long, at its display scale; null for any other (NaN, the
     * infinities, more than 18 digits), which the driver decodes.
     */
    private static BigDecimal binaryNumeric(byte[] raw) {
        if (raw.length < 8) {
            return null;
        }
        int ndigits = short16(raw, 0);
        int weight = (short) short16(raw, 2);
        int sign = short16(raw, 4);
        int dscale = short16(raw, 6);
        if (raw.length != 8 + 2 * ndigits || (sign != 0 && sign != 0x4000) || dscale > 1000) {
            return null;
        }
        long acc = 0;
        for (int i = 0; i < ndigits; i++) {
            int digit = short16(raw, 8 + 2 * i);
            if (digit > 9999 || acc > (Long.MAX_VALUE - digit) / 10_000) {
                return null;
            }
            acc = acc * 10_000 + digit;
        }
        // unscaled = acc * 10^e, the digits standing for acc * 10000^(weight - ndigits + 1)
        int e = 4 * (weight - ndigits + 1) + dscale;
        if (acc != 0 && e > 0) {
            if (e >= POWERS_OF_TEN.length || acc > Long.MAX_VALUE / POWERS_OF_TEN[e]) {
                return null;
            }
            acc *= POWERS_OF_TEN[e];
        } else if (acc != 0 && e < 0) {
            if (-e >= POWERS_OF_TEN.length || acc % POWERS_OF_TEN[-e] != 0) {
                return null; // digits past the display scale: not Postgres' form, leave it to the driver
            }
            acc /= POWERS_OF_TEN[-e];
        }
        return BigDecimal.valueOf(sign == 0 ? acc : -acc, dscale);
    }

    private static int short16(byte[] raw, int at) {
        return ((raw[at] & 0xff) << 8) | (raw[at + 1] & 0xff);
    }

    /** numeric NaN and infinities have no BigDecimal: they stay text, as in {@link PostgresTextValues}. */
    private static Object decimal(ResultSet rs, int index) throws SQLException {
        try {
            return rs.getBigDecimal(index);
        } catch (SQLException e) {
            String text = rs.getString(index);
            if (text != null && PostgresTextValues.isNumericSpecial(text)) {
                return text;
            }
            throw e;
        }
    }

    static Integer days(LocalDate d) {
        if (d == null) {
            return null;
        }
        if (d.equals(LocalDate.MAX)) {
            return Integer.MAX_VALUE;
        }
        if (d.equals(LocalDate.MIN)) {
            return Integer.MIN_VALUE;
        }
        return Math.toIntExact(d.toEpochDay());
    }

    static Long micros(LocalDateTime t) {
        if (t == null) {
            return null;
        }
        if (t.equals(LocalDateTime.MAX)) {
            return Long.MAX_VALUE;
        }
        return t.equals(LocalDateTime.MIN) ? Long.MIN_VALUE : micros(t.atOffset(ZoneOffset.UTC));
    }

    static Long micros(OffsetDateTime t) {
        if (t == null) {
            return null;
        }
        if (t.equals(OffsetDateTime.MAX)) {
            return Long.MAX_VALUE;
        }
        if (t.equals(OffsetDateTime.MIN)) {
            return Long.MIN_VALUE;
        }
        long seconds = t.toEpochSecond();
        // Saturate: Postgres' range ends just inside int64 microseconds since 2000, past it since 1970.
        long micros;
        try {
            micros = Math.addExact(Math.multiplyExact(seconds, 1_000_000L), t.getNano() / 1000);
        } catch (ArithmeticException overflow) {
            micros = seconds > 0 ? Long.MAX_VALUE - 1 : Long.MIN_VALUE + 1;
        }
        return micros;
    }
}
