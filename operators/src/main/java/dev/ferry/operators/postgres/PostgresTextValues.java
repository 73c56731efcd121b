package dev.ferry.operators.postgres;

import dev.ferry.state.schema.ColumnSchema;
import dev.ferry.state.schema.ColumnType;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

/**
 * Parses Postgres' text output of a value into Ferry's canonical value for its column (see
 * {@link ColumnType}). The change stream receives every value in this form; the initial load reads
 * arrays through it too, and reads the other types in forms that the differential tests hold equal
 * to it. Text forms depend on session settings: both paths set {@link PostgresConnections#TEXT_FORMS}.
 *
 * <p>Values with no ClickHouse form are kept for the writer to apply its rules to (see
 * RowBinaryEncoder): numeric NaN and infinities in a Decimal column stay text; infinite dates and
 * timestamps become the integer extremes.
 */
public final class PostgresTextValues {
    private static final long MICROS_PER_SECOND = 1_000_000L;
    private static final HexFormat HEX = HexFormat.of();

    private PostgresTextValues() {}

    /** The canonical value of {@code text} (null for SQL NULL) in {@code column}. */
    public static Object parse(String text, ColumnSchema column) {
        return text == null ? null : parse(text, column.type(), column.sourceType());
    }

    static Object parse(String text, ColumnType type, String sourceType) {
        return switch (type.kind()) {
            case BOOL -> text.equals("t") || text.equals("true");
            case INT16, INT32, INT64, UINT32 -> Long.parseLong(text);
            case FLOAT32 -> Float.parseFloat(text);
            case FLOAT64 -> Double.parseDouble(text);
            case DECIMAL -> decimal(text);
            case STRING -> sourceType.equals("money") ? money(text) : text;
            case JSON, ENUM -> text;
            case BYTES -> bytea(text);
            case DATE -> date(text);
            case TIMESTAMP -> timestamp(text, false);
            case TIMESTAMPTZ -> timestamp(text, true);
            case UUID -> UUID.fromString(text);
            case ARRAY -> {
                String elementType = sourceType.endsWith("[]") ? sourceType.substring(0, sourceType.length() - 2) : sourceType;
                List<String> elements = arrayElements(text, elementType.equals("box") ? ';' : ',');
                Object[] out = new Object[elements.size()];
                for (int i = 0; i < out.length; i++) {
                    String e = elements.get(i);
                    out[i] = e == null ? null : parse(e, type.element(), elementType);
                }
                yield out;
            }
        };
    }

    /** True for numeric's NaN and infinities, which a Decimal cannot hold. */
    public static boolean isNumericSpecial(String text) {
        return text.equals("NaN") || text.equals("Infinity") || text.equals("-Infinity");
    }

    /** A BigDecimal, or NaN/Infinity/-Infinity as text, which the writer writes as NULL (and counts). */
    private static Object decimal(String text) {
        return isNumericSpecial(text) ? text : new BigDecimal(text);
    }

    /**
     * money as a plain decimal without trailing zeros, the initial load's
     * {@code trim_scale(m::numeric)::text}. The stream's sessions print money with
     * {@code lc_monetary = 'C'}: {@code $1,234.50}, {@code -$0.50}.
     */
    static String money(String text) {
        StringBuilder digits = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if ((c >= '0' && c <= '9') || c == '.' || c == '-') {
                digits.append(c);
            } else if (c == '(') {
                digits.append('-'); // a negative amount in accounting style
            }
        }
        BigDecimal amount = new BigDecimal(digits.toString()).stripTrailingZeros();
        return amount.signum() == 0 ? "0" : amount.toPlainString();
    }

    /** bytea in {@code bytea_output = 'hex'}: {@code \x0aff}. */
    static byte[] bytea(String text) {
        if (!text.startsWith("\\x")) {
            throw new IllegalArgumentException("bytea not in hex output form");
        }
        return HEX.parseHex(text, 2, text.length());
    }

    /** Days since 1970-01-01; {@code infinity} and {@code -infinity} are the Integer extremes. */
    static Integer date(String text) {
        return switch (text) {
            case "infinity" -> Integer.MAX_VALUE;
            case "-infinity" -> Integer.MIN_VALUE;
            default -> {
                boolean bc = text.endsWith(" BC");
                yield Math.toIntExact(localDate(bc ? text.substring(0, text.length() - 3) : text, bc).toEpochDay());
            }
        };
    }

    /**
     * Microseconds since 1970-01-01 (UTC for timestamptz, whose sessions print it in UTC: {@code
     * 2020-01-02 03:04:05.123456+00}); infinities are the Long extremes; the few values beyond them
     * (year 294,247 and later) saturate as the initial load's binary read does.
     */
    static Long timestamp(String text, boolean zoned) {
        switch (text) {
            case "infinity":
                return Long.MAX_VALUE;
            case "-infinity":
                return Long.MIN_VALUE;
            default:
                break;
        }
        boolean bc = text.endsWith(" BC");
        String t = bc ? text.substring(0, text.length() - 3) : text;
        int space = t.indexOf(' ');
        LocalDate day = localDate(t.substring(0, space), bc);
        String clock = t.substring(space + 1);
        long offsetSeconds = 0;
        if (zoned) {
            int sign = Math.max(clock.lastIndexOf('+'), clock.lastIndexOf('-'));
            offsetSeconds = offsetSeconds(clock.substring(sign));
            clock = clock.substring(0, sign);
        }
        long secondsOfDay = Integer.parseInt(clock, 0, 2, 10) * 3600L + Integer.parseInt(clock, 3, 5, 10) * 60L
                + Integer.parseInt(clock, 6, 8, 10);
        long fraction = 0;
        if (clock.length() > 8) {
            String digits = clock.substring(9);
            fraction = Long.parseLong(digits) * (long) Math.pow(10, 6 - digits.length());
        }
        long seconds = day.atStartOfDay().toEpochSecond(ZoneOffset.UTC) + secondsOfDay - offsetSeconds;
        try {
            return Math.addExact(Math.multiplyExact(seconds, MICROS_PER_SECOND), fraction);
        } catch (ArithmeticException overflow) {
            return seconds > 0 ? Long.MAX_VALUE - 1 : Long.MIN_VALUE + 1;
        }
    }

    /** {@code +HH}, {@code +HH:MM} or {@code +HH:MM:SS}. */
    private static long offsetSeconds(String offset) {
        int sign = offset.charAt(0) == '-' ? -1 : 1;
        String[] parts = offset.substring(1).split(":");
        long s = Long.parseLong(parts[0]) * 3600;
        if (parts.length > 1) {
            s += Long.parseLong(parts[1]) * 60;
        }
        if (parts.length > 2) {
            s += Long.parseLong(parts[2]);
        }
        return sign * s;
    }

    /** {@code YYYY-MM-DD} with a year of four or more digits; BC years count back from 1 BC = year 0. */
    private static LocalDate localDate(String text, boolean bc) {
        int dash = text.indexOf('-', 1);
        int year = Integer.parseInt(text, 0, dash, 10);
        int month = Integer.parseInt(text, dash + 1, dash + 3, 10);
        int day = Integer.parseInt(text, dash + 4, dash + 6, 10);
        return LocalDate.of(bc ? 1 - year : year, month, day);
    }

    /**
     * The elements of an array's text form, in row-major order whatever its dimensions, null for
     * NULL; quoted elements unescaped. A leading dimension decoration ({@code [0:1]=}) is skipped.
     */
    public static List<String> arrayElements(String text, char delimiter) {
        int i = 0;
        if (text.charAt(0) == '[') {
            i = text.indexOf('=') + 1;
        }
        List<String> out = new ArrayList<>();
        StringBuilder element = new StringBuilder();
        int n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (c == '{' || c == '}' || c == delimiter) {
                i++;
                continue;
            }
            element.setLength(0);
            if (c == '"') {
                i++;
                while (true) {
                    char q = text.charAt(i++);
                    if (q == '\\') {
                        element.append(text.charAt(i++));
                    } else if (q == '"') {
                        break;
                    } else {
                        element.append(q);
                    }
                }
                out.add(element.toString());
            } else {
                int start = i;
                while (i < n && text.charAt(i) != delimiter && text.charAt(i) != '}') {
                    i++;
                }
                String raw = text.substring(start, i);
                out.add(raw.equalsIgnoreCase("NULL") ? null : raw);
            }
        }
        return out;
    }
}
