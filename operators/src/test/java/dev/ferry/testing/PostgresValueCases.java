package dev.ferry.testing;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.function.Function;

/**
 * Postgres column types Ferry maps, each with hand-picked edge values and a generator of random
 * values, as SQL literals (null for NULL). A table with one column per case holds edge rows (row
 * {@code i} takes each column's {@code i}-th edge value, cycling) and then random rows.
 */
public final class PostgresValueCases {

    /** One column: its type and how to make values for it. */
    public record Case(String column, String type, List<String> edges, Function<Random, String> random) {}

    /** Types, domains and extensions the cases need; run once per database. */
    public static final String SETUP = """
            CREATE EXTENSION IF NOT EXISTS citext;
            CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy', 'it''s "fine"', 'ünïcødé 🚀');
            CREATE TYPE pair AS (a int, b text);
            CREATE DOMAIN posint AS int CHECK (VALUE > 0);
            CREATE DOMAIN label AS text;
            CREATE DOMAIN price AS numeric(10,2)""";

    private static final String[] MOODS = {"sad", "ok", "happy", "it's \"fine\"", "ünïcødé 🚀"};
    private static final HexFormat HEX = HexFormat.of();

    private PostgresValueCases() {}

    /** Every scalar case, and an array of each (composite types too, as their text), for that Postgres version. */
    public static List<Case> all(int postgresMajor) {
        List<Case> cases = new ArrayList<>(scalars(postgresMajor));
        for (Case element : scalars(postgresMajor)) {
            cases.add(arrayOf(element));
        }
        return cases;
    }

    private static List<Case> scalars(int postgresMajor) {
        // numeric infinities arrived in Postgres 14
        String[] numericSpecials = postgresMajor >= 14 ? new String[] {"NaN", "Infinity", "-Infinity"} : new String[] {"NaN"};
        List<Case> c = new ArrayList<>();
        c.add(new Case("bo", "bool", list("true", "false"), r -> r.nextBoolean() ? "t" : "f"));
        c.add(new Case("i2", "int2", list("-32768", "32767", "0"), r -> Integer.toString(r.nextInt(65536) - 32768)));
        c.add(new Case("i4", "int4", list("-2147483648", "2147483647", "0"), r -> Integer.toString(r.nextInt())));
        c.add(new Case("i8", "int8", list("-9223372036854775808", "9223372036854775807", "0"),
                r -> Long.toString(r.nextLong())));
        c.add(new Case("oi", "oid", list("0", "4294967295", "42"), r -> Long.toString(r.nextInt() & 0xffffffffL)));
        c.add(new Case("f4", "float4", list("NaN", "Infinity", "-Infinity", "-0", "1.4e-45", "3.4028235e38",
                "1.17549435e-38", "0.1"), r -> floatText(Float.intBitsToFloat(r.nextInt()))));
        c.add(new Case("f8", "float8", list("NaN", "Infinity", "-Infinity", "-0", "4.9e-324", "1.7976931348623157e308",
                "2.2250738585072014e-308", "0.1"), r -> doubleText(Double.longBitsToDouble(r.nextLong()))));
        c.add(new Case("n2", "numeric(12,4)", list("NaN", "99999999.9999", "-99999999.9999", "0", "0.0001", "1.5"),
                r -> decimal(r, 8, 4)));
        List<String> numericEdges = new ArrayList<>(List.of(numericSpecials));
        numericEdges.addAll(List.of("0", "0.000000000000000000000000000001", "-1" + "0".repeat(300),
                "123456789012345678901234567890.123456789012345678901234567890", "1.50"));
        c.add(new Case("nu", "numeric", numericEdges,
                r -> r.nextInt(20) == 0 ? pick(r, numericSpecials) : decimal(r, r.nextInt(40), r.nextInt(40))));
        c.add(new Case("nw", "numeric(100,20)", list("NaN", "-" + "9".repeat(80) + "." + "9".repeat(20), "0"),
                r -> decimal(r, 80, 20)));
        c.add(new Case("mn", "money", list("'-92233720368547758.08'::money", "'92233720368547758.07'::money", "'0'::numeric::money",
                "'12.50'::numeric::money", "'-0.01'::numeric::money"),
                r -> "'" + decimal(r, 12, 2) + "'::numeric::money"));
        c.add(new Case("tx", "text", list("''", "'NULL'", "'\"\\{},'' x'", "' padded  '", "'ž🚀\u00e9\u0301'",
                "repeat('ü', 600000)", "E'line\\nbreak\\ttab'"), r -> text(r, 40)));
        c.add(new Case("vc", "varchar(20)", list("''", "'{a,b}'", "'\"'"), r -> text(r, 20)));
        c.add(new Case("ch", "char(5)", list("''", "'a'", "'ab c'", "'ž'"), r -> text(r, 5)));
        c.add(new Case("nm", "name", list("''", "'pg_catalog'"), r -> text(r, 20)));
        c.add(new Case("ci", "citext", list("'MiXeD'", "''"), r -> text(r, 20)));
        c.add(new Case("by", "bytea", list("''", "'\\x00'", "'\\x5c22'",
                "decode(repeat('00ff10', 400000), 'hex')"), r -> "'\\x" + HEX.formatHex(bytes(r, 30)) + "'"));
        c.add(new Case("da", "date", list("'infinity'", "'-infinity'", "'4713-01-01 BC'", "'5874897-12-31'",
                "'1970-01-01'", "'1899-12-31'", "'2300-01-01'", "'0001-01-01'"), r -> "'" + date(r) + "'"));
        c.add(new Case("ts", "timestamp", list("'infinity'", "'-infinity'", "'4713-01-01 00:00:00 BC'",
                "'294276-12-31 23:59:59.999999'", "'1970-01-01 00:00:00.000001'", "'1899-12-31 23:59:59.999999'",
                "'2000-02-29 12:00:00'"), r -> "'" + date(r, 294275) + " " + clock(r) + "'"));
        c.add(new Case("t3", "timestamp(3)", list("'2020-01-02 03:04:05.1239'", "'1969-12-31 23:59:59.999'"),
                r -> "'" + date(r, 9999) + " " + clock(r) + "'"));
        c.add(new Case("tz", "timestamptz", list("'infinity'", "'-infinity'", "'4713-01-01 00:00:00+00 BC'",
                "'294276-12-31 23:59:59.999999+00'", "'2020-01-02 03:04:05.123456+02'", "'1900-01-01 00:00:00+14'"),
                r -> "'" + date(r, 294275) + " " + clock(r) + offset(r) + "'"));
        c.add(new Case("tm", "time", list("'24:00:00'", "'00:00:00'", "'23:59:59.999999'", "'12:34:56.789'"),
                r -> "'" + clock(r) + "'"));
        c.add(new Case("ttz", "timetz", list("'24:00:00-15:59'", "'00:00:00+15:59'", "'12:00:00.5+05:30'",
                "'23:59:59.999999+00'"), r -> "'" + clock(r) + offset(r) + "'"));
        c.add(new Case("iv", "interval", list("'-1 year -2 mons +3 days -04:05:06.789'", "'0'", "'1 mon -1 sec'",
                "'178000000 years'", "'-178000000 years'", "'0.000001 sec'", "'-2147483647 days -100000:00:00.000001'",
                "'1 day 23:59:59.999999'"), PostgresValueCases::interval));
        c.add(new Case("uu", "uuid", list("'00000000-0000-0000-0000-000000000000'", "'ffffffff-ffff-ffff-ffff-ffffffffffff'"),
                r -> "'" + new UUID(r.nextLong(), r.nextLong()) + "'"));
        c.add(new Case("js", "json", list("'null'", "'[]'", "'{\"a\" :  [1, 2.50, \"x\\u00e9\"], \"a\": 2}'",
                "'\"\\u0000\"'"), r -> "'" + json(r, 2).replace("'", "''") + "'"));
        c.add(new Case("jb", "jsonb", list("'{}'", "'{\"b\": 1, \"a\": [true, null, 1.0e2]}'", "'\"ž🚀\"'"),
                r -> "'" + json(r, 2).replace("'", "''") + "'"));
        c.add(new Case("mo", "mood", quoteAll(MOODS), r -> quote(MOODS[r.nextInt(MOODS.length)])));
        c.add(new Case("ip", "inet", list("'::1'", "'10.0.0.1/24'", "'255.255.255.255'", "'2001:db8::ff00:42:8329/64'"),
                r -> "'" + (r.nextInt() & 0xff) + "." + (r.nextInt() & 0xff) + "." + (r.nextInt() & 0xff) + "."
                        + (r.nextInt() & 0xff) + "/" + (8 + r.nextInt(25)) + "'"));
        c.add(new Case("cd", "cidr", list("'10.0.0.0/8'", "'::/0'"), r -> "'10." + r.nextInt(256) + ".0.0/16'"));
        c.add(new Case("ma", "macaddr", list("'08:00:2b:01:02:03'"), r -> "'" + HEX.withDelimiter(":").formatHex(bytes(r, 6, 6)) + "'"));
        c.add(new Case("bi", "bit(8)", list("B'00000000'", "B'10100101'"),
                r -> "B'" + String.format("%8s", Integer.toBinaryString(r.nextInt(256))).replace(' ', '0') + "'"));
        c.add(new Case("vb", "varbit", list("B''", "B'1'"), r -> "B'" + Long.toBinaryString(r.nextLong() >>> r.nextInt(63)) + "'"));
        c.add(new Case("xm", "xml", list("'<a>x</a>'", "''", "'<b c=\"&amp;\"/>'"),
                r -> "'<r>" + Integer.toHexString(r.nextInt()) + "</r>'"));
        c.add(new Case("pt", "point", list("'(1.5,-2)'", "'(0,-0)'", "'(1e300,-1e-300)'"), r -> "'" + point(r) + "'"));
        c.add(new Case("li", "line", list("'{1,-1,0}'"), r -> "'{" + (1 + r.nextInt(9)) + "," + r.nextInt(9) + "," + r.nextInt(9) + "}'"));
        c.add(new Case("ls", "lseg", list("'[(0,0),(1,1)]'"), r -> "'[" + point(r) + "," + point(r) + "]'"));
        c.add(new Case("bx", "box", list("'(1,1),(0,0)'", "'(-0.5,2),(3,1e10)'"), r -> "'" + point(r) + "," + point(r) + "'"));
        c.add(new Case("pa", "path", list("'[(0,0),(1,1),(2,0)]'", "'((0,0),(1,1))'"), r -> "'[" + point(r) + "," + point(r) + "]'"));
        c.add(new Case("pg", "polygon", list("'((0,0),(1,1),(1,0))'"), r -> "'(" + point(r) + "," + point(r) + "," + point(r) + ")'"));
        c.add(new Case("cr", "circle", list("'<(0,0),1>'"), r -> "'<" + point(r) + "," + (1 + r.nextInt(100)) + ">'"));
        c.add(new Case("rg", "int4range", list("'empty'", "'[1,5)'", "'(,)'", "'[-2147483648,2147483647)'"),
                r -> { int a = r.nextInt(1000); return "'[" + a + "," + (a + r.nextInt(1000)) + ")'"; }));
        c.add(new Case("tr", "tsrange", list("'[2020-01-01,infinity)'"), r -> "'[" + date(r, 9999) + "," + "infinity)'"));
        c.add(new Case("tv", "tsvector", list("''", "'a fat:2,4 cat:3A'"), r -> "'w" + r.nextInt(100) + ":" + (1 + r.nextInt(9)) + "'"));
        c.add(new Case("tq", "tsquery", list("'fat & (rat | cat)'"), r -> "'w" + r.nextInt(100) + " & !v'"));
        c.add(new Case("lsn", "pg_lsn", list("'0/0'", "'FFFFFFFF/FFFFFFFF'"),
                r -> "'" + Integer.toHexString(r.nextInt()) + "/" + Integer.toHexString(r.nextInt()) + "'"));
        c.add(new Case("iv2", "int2vector", list("''", "'1 2 3'"), r -> "'" + r.nextInt(100) + " " + r.nextInt(100) + "'"));
        c.add(new Case("c1", "\"char\"", list("''", "'a'", "'\\303'"), r -> "'" + (char) ('a' + r.nextInt(26)) + "'"));
        c.add(new Case("cp", "pair", list("ROW(1, 'x y')::pair", "ROW(NULL, '')::pair", "ROW(-1, '\"q\"')::pair"),
                r -> "ROW(" + r.nextInt() + ", " + text(r, 10) + ")::pair"));
        c.add(new Case("dp", "posint", list("1", "2147483647"), r -> Integer.toString(1 + r.nextInt(Integer.MAX_VALUE))));
        c.add(new Case("dl", "label", list("''", "'ž'"), r -> text(r, 10)));
        c.add(new Case("dn", "price", list("NaN", "-99999999.99", "0.01"), r -> decimal(r, 8, 2)));
        return c;
    }

    /** A one- to three-dimensional array of the element's values, NULL elements among them. */
    private static Case arrayOf(Case element) {
        String type = element.type() + "[]";
        char delimiter = element.type().equals("box") ? ';' : ',';
        List<String> edges = new ArrayList<>();
        edges.add("'{}'");
        edges.add("'{NULL}'");
        List<String> values = element.edges();
        String first = unquote(values.get(0));
        String last = unquote(values.get(values.size() - 1));
        edges.add(literal("{{" + q(first) + delimiter + "NULL}" + delimiter + "{" + q(last) + delimiter + q(first) + "}}"));
        edges.add(literal("[0:1]={" + q(last) + delimiter + q(first) + "}"));
        edges.add(literal("{{{" + q(first) + "}}}"));
        StringBuilder all = new StringBuilder("{");
        for (String v : values) {
            if (all.length() > 1) {
                all.append(delimiter);
            }
            all.append(q(unquote(v)));
        }
        edges.add(literal(all.append('}').toString()));
        Function<Random, String> random = r -> {
            int dims = 1 + r.nextInt(3);
            int[] sizes = new int[dims];
            for (int i = 0; i < dims; i++) {
                sizes[i] = 1 + r.nextInt(3);
            }
            return literal(nested(r, element, sizes, 0, delimiter));
        };
        return new Case("a_" + element.column(), type, edges, random);
    }

    private static String nested(Random r, Case element, int[] sizes, int dim, char delimiter) {
        StringBuilder out = new StringBuilder("{");
        for (int i = 0; i < sizes[dim]; i++) {
            if (i > 0) {
                out.append(delimiter);
            }
            if (dim + 1 < sizes.length) {
                out.append(nested(r, element, sizes, dim + 1, delimiter));
            } else {
                out.append(r.nextInt(5) == 0 ? "NULL" : q(unquote(element.random().apply(r))));
            }
        }
        return out.append('}').toString();
    }

    /** The SQL literal of row {@code row}'s value: edge rows first, then random ones. */
    public static String value(Case c, int row, int edgeRows, Random random) {
        if (row < edgeRows) {
            return quoteBare(c.edges().get(row % c.edges().size()));
        }
        return random.nextInt(8) == 0 ? null : quoteBare(c.random().apply(random));
    }

    /** Bare words and numbers (NaN, -Infinity, 1.5e3) as string literals, which every type accepts. */
    private static String quoteBare(String literal) {
        return literal.matches("[-+0-9.a-zA-Z]+") ? "'" + literal + "'" : literal;
    }

    /** How many edge rows cover every case's every edge value. */
    public static int edgeRows(List<Case> cases) {
        return cases.stream().mapToInt(c -> c.edges().size()).max().orElse(0);
    }

    /** An element inside an array literal: double-quoted, with backslash escapes. */
    private static String q(String value) {
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /**
     * The text inside a case's literal, for use as an array element. Literals that are expressions
     * (casts, functions, bit strings) become their textual value where that is simple.
     */
    private static String unquote(String literal) {
        String s = literal;
        int cast = s.indexOf("'::");
        if (cast > 0 && s.startsWith("'")) {
            s = s.substring(0, cast + 1);
        } else if (s.startsWith("ROW(")) {
            return "(1,\"x y\")";
        } else if (s.startsWith("decode(") || s.startsWith("repeat(") || s.startsWith("E'")) {
            return "x";
        } else if (s.startsWith("B'")) {
            s = s.substring(1);
        }
        if (s.startsWith("'") && s.endsWith("'")) {
            return s.substring(1, s.length() - 1).replace("''", "'");
        }
        return s;
    }

    private static String literal(String text) {
        return "'" + text.replace("'", "''") + "'";
    }

    private static String quote(String text) {
        return literal(text);
    }

    private static List<String> quoteAll(String[] values) {
        List<String> out = new ArrayList<>();
        for (String v : values) {
            out.add(quote(v));
        }
        return out;
    }

    private static List<String> list(String... values) {
        return List.of(values);
    }

    private static String pick(Random r, String... values) {
        return values[r.nextInt(values.length)];
    }

    private static String floatText(float f) {
        return Float.isNaN(f) ? "NaN" : Float.toString(f);
    }

    private static String doubleText(double d) {
        return Double.isNaN(d) ? "NaN" : Double.toString(d);
    }

    /** A decimal with up to {@code intDigits} digits before the point and up to {@code scale} after. */
    private static String decimal(Random r, int intDigits, int scale) {
        StringBuilder s = new StringBuilder(r.nextBoolean() ? "-" : "");
        s.append(intDigits == 0 ? "0" : new BigInteger(Math.max(1, intDigits * 3), r).mod(BigInteger.TEN.pow(intDigits)));
        int fraction = scale == 0 ? 0 : r.nextInt(scale + 1);
        if (fraction > 0) {
            s.append('.');
            for (int i = 0; i < fraction; i++) {
                s.append((char) ('0' + r.nextInt(10)));
            }
        }
        return s.toString();
    }

    /** Text of random code points (any plane, no NUL or surrogates), as a literal. */
    private static String text(Random r, int maxLength) {
        int n = r.nextInt(maxLength + 1);
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int cp = switch (r.nextInt(4)) {
                case 0 -> 32 + r.nextInt(95);
                case 1 -> 1 + r.nextInt(0x7ff);
                case 2 -> 0xe000 + r.nextInt(0x1000);
                default -> 0x1f300 + r.nextInt(0x300);
            };
            s.appendCodePoint(cp);
        }
        return literal(s.toString());
    }

    private static byte[] bytes(Random r, int max) {
        return bytes(r, 0, max);
    }

    private static byte[] bytes(Random r, int min, int max) {
        byte[] b = new byte[min + r.nextInt(max - min + 1)];
        r.nextBytes(b);
        return b;
    }

    private static String date(Random r) {
        return date(r, 5874896);
    }

    /** A date from 4713 BC to {@code maxYear} AD in Postgres' input form. */
    private static String date(Random r, int maxYear) {
        int year = -4712 + r.nextInt(maxYear + 4712);
        String ymd = String.format("%04d-%02d-%02d", year <= 0 ? 1 - year : year, 1 + r.nextInt(12), 1 + r.nextInt(28));
        return year <= 0 ? ymd + " BC" : ymd;
    }

    private static String clock(Random r) {
        String hms = String.format("%02d:%02d:%02d", r.nextInt(24), r.nextInt(60), r.nextInt(60));
        return switch (r.nextInt(3)) {
            case 0 -> hms;
            case 1 -> hms + "." + String.format("%06d", r.nextInt(1_000_000));
            default -> hms + "." + r.nextInt(1000);
        };
    }

    private static String offset(Random r) {
        int minutes = r.nextInt(2 * 15 * 60 + 1) - 15 * 60;
        return String.format("%s%02d:%02d", minutes < 0 ? "-" : "+", Math.abs(minutes) / 60, Math.abs(minutes) % 60);
    }

    private static String interval(Random r) {
        return "'" + signed(r, 5000) + " years " + signed(r, 30) + " mons " + signed(r, 400) + " days "
                + (r.nextBoolean() ? "-" : "") + r.nextInt(100) + ":" + r.nextInt(60) + ":" + r.nextInt(60) + "."
                + String.format("%06d", r.nextInt(1_000_000)) + "'";
    }

    private static int signed(Random r, int bound) {
        return r.nextInt(2 * bound + 1) - bound;
    }

    private static String point(Random r) {
        return "(" + (r.nextInt(2_000_001) - 1_000_000) / 1000.0 + "," + doubleText(r.nextGaussian() * 1e6) + ")";
    }

    private static String json(Random r, int depth) {
        return switch (depth <= 0 ? r.nextInt(4) : r.nextInt(6)) {
            case 0 -> Integer.toString(r.nextInt());
            case 1 -> "\"" + Long.toHexString(r.nextLong()) + "\\u00e9\"";
            case 2 -> r.nextBoolean() ? "true" : "null";
            case 3 -> doubleText(r.nextDouble() * 1e6);
            case 4 -> "[" + json(r, depth - 1) + ",  " + json(r, depth - 1) + "]";
            default -> "{\"k" + r.nextInt(3) + "\": " + json(r, depth - 1) + ", \"z\" : " + json(r, depth - 1) + "}";
        };
    }
}
