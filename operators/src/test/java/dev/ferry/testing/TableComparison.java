package dev.ferry.testing;

import com.clickhouse.client.api.query.GenericRecord;
import dev.ferry.state.schema.ColumnSchema;
import dev.ferry.state.schema.ColumnType;
import dev.ferry.state.schema.TableSchema;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Compares a Postgres table with its ClickHouse copy row by row: both sides render every row to the
 * same canonical text in their own SQL (independently of Ferry's reader and encoder), hash it, and
 * the hashes are compared per key. The ClickHouse side reads {@code FINAL WHERE _is_deleted = 0}.
 * Floats compare by their IEEE bits; dates and timestamps are clamped on the Postgres side to
 * ClickHouse's range, as the type mapping documents.
 *
 * <p>A keyless table's copy is keyed by {@code _ctid}, which holds a WAL position for streamed rows:
 * such tables are compared as multisets of rows (every column but {@code _ctid}), so a duplicate
 * row must be there as often as in the source.
 */
public final class TableComparison {

    /** The outcome: rows on each side and what differs (empty when equal). */
    public record Result(long sourceRows, long destinationRows, List<String> differences) {
        public boolean equal() {
            return differences.isEmpty();
        }

        @Override
        public String toString() {
            return sourceRows + " source rows, " + destinationRows + " destination rows"
                    + (differences.isEmpty() ? ", equal" : ", differences: " + differences);
        }
    }

    private TableComparison() {}

    public static Result compare(Connection pg, String pgQualifiedTable, ClickHouseTestDatabase ch, TableSchema schema)
            throws SQLException {
        if (schema.key().equals(List.of("_ctid"))) {
            return compareRows(pg, pgQualifiedTable, ch, schema);
        }
        Map<String, String> source = new HashMap<>();
        try (Statement st = pg.createStatement()) {
            st.execute("SET IntervalStyle = 'iso_8601'; SET TimeZone = 'UTC'; SET extra_float_digits = 3");
            String sql = "SELECT " + pgKey(schema) + ", md5(" + pgRow(schema) + ") FROM " + pgQualifiedTable;
            try (ResultSet rs = st.executeQuery(sql)) {
                while (rs.next()) {
                    source.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        String chSql = "SELECT " + chKey(schema) + ", lower(hex(MD5(" + chRow(schema) + "))) FROM `" + ch.name() + "`.`"
                + schema.target() + "` FINAL WHERE _is_deleted = 0";
        List<String> differences = new ArrayList<>();
        long destinationRows = 0;
        Map<String, String> unmatched = new HashMap<>(source);
        for (GenericRecord r : ch.query(chSql)) {
            destinationRows++;
            String key = r.getString(1);
            String expected = unmatched.remove(key);
            if (expected == null) {
                addDifference(differences, source.containsKey(key) ? "duplicate key " + key : "extra row with key " + key);
            } else if (!expected.equals(r.getString(2))) {
                addDifference(differences, differences.size() < 3
                        ? "row with key " + key + " differs: " + columnDifferences(pg, pgQualifiedTable, ch, schema, key)
                        : "row with key " + key + " differs");
            }
        }
        unmatched.keySet().stream().sorted().limit(5).forEach(k -> addDifference(differences, "missing row with key " + k));
        if (unmatched.size() > 5) {
            differences.add("... " + unmatched.size() + " missing rows in all");
        }
        return new Result(source.size(), destinationRows, differences);
    }

    private static Result compareRows(Connection pg, String pgTable, ClickHouseTestDatabase ch, TableSchema schema)
            throws SQLException {
        TableSchema values = new TableSchema(schema.sourceId(), schema.target(), schema.columns().stream()
                .filter(c -> !c.name().equals("_ctid")).toList(), List.of());
        Map<String, Long> source = new HashMap<>();
        long sourceRows = 0;
        try (Statement st = pg.createStatement()) {
            st.execute("SET IntervalStyle = 'iso_8601'; SET TimeZone = 'UTC'; SET extra_float_digits = 3");
            try (ResultSet rs = st.executeQuery("SELECT md5(" + pgRow(values) + ") FROM " + pgTable)) {
                while (rs.next()) {
                    source.merge(rs.getString(1), 1L, Long::sum);
                    sourceRows++;
                }
            }
        }
        long destinationRows = 0;
        Map<String, Long> balance = new HashMap<>(source);
        for (GenericRecord r : ch.query("SELECT lower(hex(MD5(" + chRow(values) + "))) FROM `" + ch.name() + "`.`"
                + schema.target() + "` FINAL WHERE _is_deleted = 0")) {
            destinationRows++;
            balance.merge(r.getString(1), -1L, Long::sum);
        }
        List<String> differences = new ArrayList<>();
        balance.forEach((hash, n) -> {
            if (n != 0) {
                addDifference(differences, "row " + hash + (n > 0 ? " missing " + n + " times" : " extra " + -n + " times"));
            }
        });
        return new Result(sourceRows, destinationRows, differences);
    }

    /** Which columns of one row differ, with both sides' canonical text (shortened). */
    private static String columnDifferences(Connection pg, String pgTable, ClickHouseTestDatabase ch, TableSchema schema,
            String key) throws SQLException {
        StringJoiner pgCols = new StringJoiner(", ");
        StringJoiner chCols = new StringJoiner(", ");
        for (ColumnSchema c : schema.columns()) {
            pgCols.add(pgValue(pgColumn(c), c));
            chCols.add("toString(" + chValue("`" + c.name().replace("`", "\\`") + "`", c.type()) + ")");
        }
        List<String> pgValues = new ArrayList<>();
        try (var ps = pg.prepareStatement("SELECT " + pgCols + " FROM " + pgTable + " WHERE " + pgKey(schema) + " = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                for (int i = 1; i <= schema.columns().size(); i++) {
                    pgValues.add(rs.getString(i));
                }
            }
        }
        GenericRecord r = ch.client().queryAll("SELECT " + chCols + " FROM `" + ch.name() + "`.`" + schema.target()
                + "` FINAL WHERE _is_deleted = 0 AND " + chKey(schema) + " = {k:String}", Map.of("k", key)).get(0);
        StringJoiner out = new StringJoiner("; ");
        for (int i = 0; i < schema.columns().size(); i++) {
            String a = pgValues.get(i);
            String b = r.getString(i + 1);
            if (!java.util.Objects.equals(a, b)) {
                out.add(schema.columns().get(i).name() + ": postgres=" + shorten(a) + " clickhouse=" + shorten(b));
            }
        }
        return out.toString();
    }

    private static String shorten(String s) {
        return s == null ? "NULL" : s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }

    private static void addDifference(List<String> differences, String d) {
        if (differences.size() < 10) {
            differences.add(d);
        }
    }

    private static String pgKey(TableSchema s) {
        StringJoiner j = new StringJoiner(" || '|' || ");
        for (String k : s.key()) {
            ColumnSchema c = s.columns().get(s.indexOf(k));
            j.add(pgValue(pgColumn(c), c));
        }
        return j.toString();
    }

    private static String chKey(TableSchema s) {
        StringJoiner j = new StringJoiner(", '|', ", "concat(", ")");
        for (String k : s.key()) {
            ColumnSchema c = s.columns().get(s.indexOf(k));
            j.add(chValue("`" + c.name().replace("`", "\\`") + "`", c.type()));
        }
        return j.toString();
    }

    /** Joined with || rather than concat(), which takes at most 100 arguments. */
    private static String pgRow(TableSchema s) {
        StringJoiner j = new StringJoiner(" || ';' || ", "", " || ';'");
        for (ColumnSchema c : s.columns()) {
            String v = pgValue(pgColumn(c), c);
            j.add("coalesce(octet_length(" + v + ")::text || ':' || " + v + ", 'N')");
        }
        return j.toString();
    }

    private static String chRow(TableSchema s) {
        StringJoiner j = new StringJoiner(", ", "concat(", ")");
        for (ColumnSchema c : s.columns()) {
            String v = chValue("`" + c.name().replace("`", "\\`") + "`", c.type());
            j.add("ifNull(concat(toString(length(" + v + ")), ':', " + v + "), 'N')");
            j.add("';'");
        }
        return j.toString();
    }

    private static String pgColumn(ColumnSchema c) {
        return c.sourceType().equals("tid") ? "ctid" : "\"" + c.name().replace("\"", "\"\"") + "\"";
    }

    /** Postgres text of a value, as ClickHouse will show it; NULL stays NULL. */
    private static String pgValue(String col, ColumnSchema c) {
        ColumnType t = c.type();
        if (t.kind() == ColumnType.Kind.ARRAY) {
            String elementType = c.sourceType().replace("[]", "");
            String element = pgScalar("e", t.element(), elementType);
            // unnest() spreads composite elements over columns: text elements are unnested as text, except
            // the types whose cast to text is not their output (char pads, inet shows its mask) or that
            // are compared as numbers (money).
            boolean asText = t.element().kind() == ColumnType.Kind.STRING
                    && !List.of("bpchar", "inet", "cidr", "money").contains(elementType);
            // ClickHouse arrays are never NULL: a NULL array lands empty.
            return "coalesce((SELECT string_agg(coalesce(" + element + ", 'N'), ',' ORDER BY i) FROM unnest(" + col
                    + (asText ? "::text[]" : "") + ") WITH ORDINALITY u(e, i)), '')";
        }
        return pgScalar(col, t, c.sourceType());
    }

    private static String pgScalar(String col, ColumnType t, String sourceType) {
        // NULL in, NULL out: format(), least() and greatest() would otherwise turn NULL into a value.
        return "CASE WHEN " + col + " IS NULL THEN NULL ELSE " + pgNotNull(col, t, sourceType) + " END";
    }

    private static String pgNotNull(String col, ColumnType t, String sourceType) {
        return switch (t.kind()) {
            case BOOL -> "CASE WHEN " + col + " THEN 'true' WHEN NOT " + col + " THEN 'false' END";
            case INT16, INT32, INT64, UINT32, UUID, JSON, ENUM -> col + "::text";
            case FLOAT32 -> "encode(float4send(" + col + "), 'hex')";
            case FLOAT64 -> "encode(float8send(" + col + "), 'hex')";
            case DECIMAL -> "CASE WHEN " + col + "::text IN ('NaN', 'Infinity', '-Infinity')" // infinities: Postgres 14+
                    + " THEN NULL ELSE trim_scale(" + col + ")::text END";
            case STRING -> switch (sourceType) {
                case "money" -> "trim_scale(" + col + "::numeric)::text";
                case "numeric", "time", "timetz", "interval" -> col + "::text";
                default -> "format('%s', " + col + ")"; // the type's output (bpchar keeps its padding)
            };
            case BYTES -> "encode(" + col + ", 'hex')";
            case DATE -> "greatest(least(" + col + ", '2299-12-31'::date), '1900-01-01'::date)::text";
            case TIMESTAMP -> "to_char(greatest(least(" + col + ", '2299-12-31 23:59:59.999999'::timestamp),"
                    + " '1900-01-01'::timestamp), 'YYYY-MM-DD HH24:MI:SS.US')";
            case TIMESTAMPTZ -> "to_char(greatest(least(" + col + ", '2299-12-31 23:59:59.999999+00'::timestamptz),"
                    + " '1900-01-01 00:00:00+00'::timestamptz) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')";
            case ARRAY -> throw new AssertionError("nested array");
        };
    }

    /** ClickHouse text of a value in the same canonical form; NULL stays NULL. */
    private static String chValue(String col, ColumnType t) {
        if (t.kind() == ColumnType.Kind.ARRAY) {
            return "arrayStringConcat(arrayMap(e -> ifNull(" + chScalar("e", t.element()) + ", 'N'), " + col + "), ',')";
        }
        return chScalar(col, t);
    }

    private static String chScalar(String col, ColumnType t) {
        return switch (t.kind()) {
            case BOOL, INT16, INT32, INT64, UINT32, UUID, ENUM, DECIMAL, DATE -> "toString(" + col + ")";
            case FLOAT32, FLOAT64 -> "lower(hex(reverse(reinterpretAsFixedString(" + col + "))))"; // all bytes, zeros too
            case STRING, JSON -> col;
            case BYTES -> "lower(hex(" + col + "))";
            case TIMESTAMP, TIMESTAMPTZ -> "formatDateTime(" + col + ", '%Y-%m-%d %H:%i:%S.%f', 'UTC')";
            case ARRAY -> throw new AssertionError("nested array");
        };
    }
}
