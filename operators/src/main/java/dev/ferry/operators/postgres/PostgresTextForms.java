package dev.ferry.operators.postgres;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Postgres' own text output for values the change stream delivers in another form, so a row
 * written by the initial load ({@code ::text}) and by a change is byte-for-byte the same.
 */
final class PostgresTextForms {
    private static final Pattern DEBEZIUM_INTERVAL =
            Pattern.compile("P(-?\\d+)Y(-?\\d+)M(-?\\d+)DT(-?\\d+)H(-?\\d+)M(-?[\\d.]+)S");

    private PostgresTextForms() {}

    /** {@code time} from microseconds since midnight: HH:MM:SS[.ffffff], trailing zeros trimmed. */
    static String time(long micros) {
        long seconds = micros / 1_000_000;
        long fraction = micros % 1_000_000;
        String hms = String.format("%02d:%02d:%02d", seconds / 3600, (seconds / 60) % 60, seconds % 60);
        return fraction == 0 ? hms : hms + "." + trimZeros("0." + String.format("%06d", fraction)).substring(2);
    }

    /** {@code timetz} normalized to UTC, as {@code (t AT TIME ZONE 'UTC')::text} prints it. */
    static String timeTzUtc(String debeziumZonedTime) {
        return debeziumZonedTime.endsWith("Z")
                ? debeziumZonedTime.substring(0, debeziumZonedTime.length() - 1) + "+00"
                : debeziumZonedTime;
    }

    /**
     * {@code interval} in IntervalStyle iso_8601 from Debezium's ISO form, which always lists every
     * field ({@code P0Y0M0DT0H0M0S}); Postgres leaves out zero fields and says {@code PT0S} for zero.
     */
    static String interval(String debezium) {
        Matcher m = DEBEZIUM_INTERVAL.matcher(debezium);
        if (!m.matches()) {
            return debezium;
        }
        long years = Long.parseLong(m.group(1));
        long months = Long.parseLong(m.group(2));
        long days = Long.parseLong(m.group(3));
        long hours = Long.parseLong(m.group(4));
        long minutes = Long.parseLong(m.group(5));
        BigDecimal seconds = new BigDecimal(m.group(6));
        boolean timePart = hours != 0 || minutes != 0 || seconds.signum() != 0;
        if (years == 0 && months == 0 && days == 0 && !timePart) {
            return "PT0S";
        }
        StringBuilder out = new StringBuilder("P");
        part(out, years, 'Y');
        part(out, months, 'M');
        part(out, days, 'D');
        if (timePart) {
            out.append('T');
            part(out, hours, 'H');
            part(out, minutes, 'M');
            if (seconds.signum() != 0) {
                out.append(seconds.signum() < 0 ? "-" : "").append(trimZeros(seconds.abs().toPlainString())).append('S');
            }
        }
        return out.toString();
    }

    /** A date as Postgres prints it (for dates in arrays read as text). */
    static String date(int epochDay) {
        return LocalDate.ofEpochDay(epochDay).toString();
    }

    /** A point: {@code (x,y)} with Postgres' shortest float form. */
    static String point(double x, double y) {
        return "(" + number(x) + "," + number(y) + ")";
    }

    private static String number(double d) {
        if (d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 1e15) {
            return String.valueOf((long) d);
        }
        return Double.toString(d);
    }

    private static void part(StringBuilder out, long value, char unit) {
        if (value != 0) {
            out.append(value).append(unit);
        }
    }

    private static String trimZeros(String s) {
        if (!s.contains(".")) {
            return s;
        }
        int end = s.length();
        while (s.charAt(end - 1) == '0') {
            end--;
        }
        if (s.charAt(end - 1) == '.') {
            end--;
        }
        return s.substring(0, end);
    }
}
