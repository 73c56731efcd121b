package dev.ferry.operators.postgres;

import dev.ferry.state.schema.ColumnSchema;
import dev.ferry.state.schema.ColumnType;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

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
            case INT16, INT32, INT64, UINT32 -> (rs, i) -> {
                long v = rs.getLong(i);
                return rs.wasNull() ? null : v;
            };
            case FLOAT32 -> (rs, i) -> {
                float v = rs.getFloat(i);
                return rs.wasNull() ? null : v;
            };
            case FLOAT64 -> (rs, i) -> {
                double v = rs.getDouble(i);
                return rs.wasNull() ? null : v;
            };
            case DECIMAL -> PostgresRowReader::decimal;
            case STRING, JSON, ENUM -> ResultSet::getString;
            case BYTES -> ResultSet::getBytes;
            case DATE -> new BinaryDatetime(4, (rs, i) -> days(rs.getObject(i, LocalDate.class)));
            case TIMESTAMP -> new BinaryDatetime(8, (rs, i) -> {
                LocalDateTime t = rs.getObject(i, LocalDateTime.class);
                return t == null ? null : micros(t.atOffset(ZoneOffset.UTC));
            });
            case TIMESTAMPTZ -> new BinaryDatetime(8, (rs, i) -> micros(rs.getObject(i, OffsetDateTime.class)));
            case UUID -> (rs, i) -> rs.getObject(i, UUID.class);
            case ARRAY -> (rs, i) -> PostgresTextValues.parse(rs.getString(i), column); // selected as text
        };
    }

    /**
     * Dates and timestamps straight from Postgres' binary form (days, or microseconds, since
     * 2000-01-01; infinities are the integer extremes), which the bulk connection receives: far
     * cheaper than java.time objects. The first value of a column is also decoded the driver's way,
     * and if the two disagree (a text-format result) the column keeps using the driver.
     */
    private static final class BinaryDatetime implements Extractor {
        private static final int DAYS_1970_TO_2000 = 10_957;
        private static final long MICROS_1970_TO_2000 = DAYS_1970_TO_2000 * 86_400_000_000L;

        private final int width;
        private final Extractor driver;
        private Boolean binary;

        BinaryDatetime(int width, Extractor driver) {
            this.width = width;
            this.driver = driver;
        }

        @Override
        public Object get(ResultSet rs, int index) throws SQLException {
            if (Boolean.FALSE.equals(binary)) {
                return driver.get(rs, index);
            }
            byte[] raw = rs.getBytes(index);
            if (raw == null) {
                return null;
            }
            Object value = raw.length == width ? decode(raw) : null;
            if (binary == null) {
                Object expected = driver.get(rs, index);
                binary = expected.equals(value);
                return expected;
            }
            return value;
        }

        private Object decode(byte[] raw) {
            long v = 0;
            for (byte b : raw) {
                v = (v << 8) | (b & 0xff);
            }
            if (width == 4) {
                int days = (int) v;
                return days == Integer.MAX_VALUE || days == Integer.MIN_VALUE ? days : days + DAYS_1970_TO_2000;
            }
            if (v == Long.MAX_VALUE || v == Long.MIN_VALUE) {
                return v;
            }
            long micros = v + MICROS_1970_TO_2000;
            return ((v ^ micros) & (MICROS_1970_TO_2000 ^ micros)) < 0 ? Long.MAX_VALUE - 1 : micros; // saturate
        }
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
