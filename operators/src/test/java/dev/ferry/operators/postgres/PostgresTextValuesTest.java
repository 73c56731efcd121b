package dev.ferry.operators.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.state.schema.ColumnSchema;
import dev.ferry.state.schema.ColumnType;
import dev.ferry.state.schema.ColumnType.Kind;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Postgres' text output of values, parsed into Ferry's canonical values. */
class PostgresTextValuesTest {

    private static Object parse(String text, ColumnType type, String sourceType) {
        return PostgresTextValues.parse(text, new ColumnSchema("c", type, true, sourceType));
    }

    @Test
    void numbers() {
        assertThat(parse("t", ColumnType.of(Kind.BOOL), "bool")).isEqualTo(true);
        assertThat(parse("f", ColumnType.of(Kind.BOOL), "bool")).isEqualTo(false);
        assertThat(parse("-9223372036854775808", ColumnType.of(Kind.INT64), "int8")).isEqualTo(Long.MIN_VALUE);
        assertThat(parse("4294967295", ColumnType.of(Kind.UINT32), "oid")).isEqualTo(4294967295L);
        assertThat(parse("-0", ColumnType.of(Kind.FLOAT64), "float8")).isEqualTo(-0.0d);
        assertThat(parse("NaN", ColumnType.of(Kind.FLOAT32), "float4")).isEqualTo(Float.NaN);
        assertThat(parse("-Infinity", ColumnType.of(Kind.FLOAT64), "float8")).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(parse("1e-45", ColumnType.of(Kind.FLOAT32), "float4")).isEqualTo(Float.MIN_VALUE);
        assertThat(parse("12.30", ColumnType.decimal(10, 2), "numeric")).isEqualTo(new BigDecimal("12.30"));
    }

    @Test
    void numericInfinitiesStayText() {
        for (String special : List.of("NaN", "Infinity", "-Infinity")) {
            assertThat(parse(special, ColumnType.decimal(10, 2), "numeric")).isEqualTo(special); // the writer's NULL
            assertThat(parse(special, ColumnType.of(Kind.STRING), "numeric")).isEqualTo(special);
        }
    }

    @Test
    void moneyAsAPlainDecimal() {
        ColumnType s = ColumnType.of(Kind.STRING);
        assertThat(parse("$1,234.50", s, "money")).isEqualTo("1234.5");
        assertThat(parse("-$0.01", s, "money")).isEqualTo("-0.01");
        assertThat(parse("$0.00", s, "money")).isEqualTo("0");
        assertThat(parse("$100.00", s, "money")).isEqualTo("100");
        assertThat(parse("-$92,233,720,368,547,758.08", s, "money")).isEqualTo("-92233720368547758.08");
    }

    @Test
    void byteaInHex() {
        assertThat((byte[]) parse("\\x", ColumnType.of(Kind.BYTES), "bytea")).isEmpty();
        assertThat((byte[]) parse("\\x00ff5c", ColumnType.of(Kind.BYTES), "bytea")).containsExactly(0, 0xff, 0x5c);
    }

    @Test
    void datesIncludingBcAndInfinities() {
        ColumnType d = ColumnType.of(Kind.DATE);
        assertThat(parse("1970-01-01", d, "date")).isEqualTo(0);
        assertThat(parse("infinity", d, "date")).isEqualTo(Integer.MAX_VALUE);
        assertThat(parse("-infinity", d, "date")).isEqualTo(Integer.MIN_VALUE);
        assertThat(parse("0001-12-31 BC", d, "date")).isEqualTo((int) LocalDate.of(0, 12, 31).toEpochDay());
        assertThat(parse("4713-01-01 BC", d, "date")).isEqualTo((int) LocalDate.of(-4712, 1, 1).toEpochDay());
        assertThat(parse("5874897-12-31", d, "date")).isEqualTo((int) LocalDate.of(5874897, 12, 31).toEpochDay());
    }

    @Test
    void timestampsToMicrosecondsInUtc() {
        ColumnType ts = ColumnType.of(Kind.TIMESTAMP);
        ColumnType tz = ColumnType.of(Kind.TIMESTAMPTZ);
        assertThat(parse("1970-01-01 00:00:00.000001", ts, "timestamp")).isEqualTo(1L);
        assertThat(parse("1969-12-31 23:59:59.5", ts, "timestamp")).isEqualTo(-500_000L);
        assertThat(parse("2020-01-02 03:04:05.123+00", tz, "timestamptz")).isEqualTo(
                LocalDateTime.of(2020, 1, 2, 3, 4, 5, 123_000_000).toEpochSecond(ZoneOffset.UTC) * 1_000_000 + 123_000);
        assertThat(parse("2020-01-02 05:34:05+02:30", tz, "timestamptz"))
                .isEqualTo(parse("2020-01-02 03:04:05+00", tz, "timestamptz"));
        assertThat(parse("0044-03-15 12:00:00+00 BC", tz, "timestamptz")).isEqualTo(
                LocalDateTime.of(-43, 3, 15, 12, 0).toEpochSecond(ZoneOffset.UTC) * 1_000_000);
        assertThat(parse("infinity", ts, "timestamp")).isEqualTo(Long.MAX_VALUE);
        assertThat(parse("-infinity", tz, "timestamptz")).isEqualTo(Long.MIN_VALUE);
        // Postgres' last timestamp is past int64 microseconds since 1970: saturated as the binary read does.
        assertThat(parse("294276-12-31 23:59:59.999999", ts, "timestamp")).isEqualTo(Long.MAX_VALUE - 1);
    }

    @Test
    void arraysOfAnyDimensionFlattenRowMajor() {
        ColumnType ints = ColumnType.arrayOf(ColumnType.of(Kind.INT32));
        assertThat((Object[]) parse("{}", ints, "int4[]")).isEmpty();
        assertThat((Object[]) parse("{{21,22},{23,NULL}}", ints, "int4[]")).containsExactly(21L, 22L, 23L, null);
        assertThat((Object[]) parse("[0:1]={7,8}", ints, "int4[]")).containsExactly(7L, 8L);
        assertThat((Object[]) parse("[0:0][1:2]={{1,2}}", ints, "int4[]")).containsExactly(1L, 2L);
        ColumnType texts = ColumnType.arrayOf(ColumnType.of(Kind.STRING));
        assertThat((Object[]) parse("{\"a,b\",\"NULL\",NULL,\"\\\\\",\"\\\"\",\"\",x}", texts, "text[]"))
                .containsExactly("a,b", "NULL", null, "\\", "\"", "", "x");
        assertThat((Object[]) parse("{(1,1),(0,0);(2,2),(1,1)}", texts, "box[]"))
                .containsExactly("(1,1),(0,0)", "(2,2),(1,1)");
        assertThat((Object[]) parse("{infinity,-infinity,2020-01-01}", texts, "date[]"))
                .containsExactly("infinity", "-infinity", "2020-01-01");
        ColumnType floats = ColumnType.arrayOf(ColumnType.of(Kind.FLOAT64));
        assertThat((Object[]) parse("{NaN,-Infinity,-0}", floats, "float8[]"))
                .containsExactly(Double.NaN, Double.NEGATIVE_INFINITY, -0.0d);
    }

    /** Random text arrays written in Postgres' output form come back element for element. */
    @Test
    void randomTextArraysRoundTrip() {
        long seed = new Random().nextLong();
        Random r = new Random(seed);
        ColumnType texts = ColumnType.arrayOf(ColumnType.of(Kind.STRING));
        for (int n = 0; n < 2_000; n++) {
            String[] elements = new String[r.nextInt(6)];
            StringBuilder out = new StringBuilder("{");
            for (int i = 0; i < elements.length; i++) {
                elements[i] = r.nextInt(6) == 0 ? null : randomText(r);
                out.append(i == 0 ? "" : ",").append(outputForm(elements[i]));
            }
            String text = out.append('}').toString();
            assertThat((Object[]) parse(text, texts, "text[]")).as("seed " + seed + ": " + text)
                    .isEqualTo(Arrays.copyOf(elements, elements.length, Object[].class));
        }
    }

    private static String randomText(Random r) {
        String alphabet = "ab ,{}\"\\NUL\u00e9\ud83d\ude80";
        StringBuilder s = new StringBuilder();
        for (int i = r.nextInt(6); i > 0; i--) {
            s.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return s.toString().replace("\ud83d", "").replace("\ude80", "");
    }

    /** How array_out writes an element: quoted when empty, NULL-like or holding special characters. */
    private static String outputForm(String e) {
        if (e == null) {
            return "NULL";
        }
        boolean quote = e.isEmpty() || e.equalsIgnoreCase("NULL") || e.chars().anyMatch(c -> ",{}\"\\ ".indexOf(c) >= 0);
        return quote ? "\"" + e.replace("\\", "\\\\").replace("\"", "\\\"") + "\"" : e;
    }
}
