package dev.ferry.operators.postgres.stream;

import dev.ferry.operators.postgres.PostgresConnections;
import dev.ferry.operators.postgres.PostgresSql;
import dev.ferry.operators.postgres.setup.PostgresCatalog.SourceTable;
import dev.ferry.operators.postgres.setup.PostgresCatalog;
import dev.ferry.operators.postgres.snapshot.PostgresRowReader;
import dev.ferry.state.schema.ColumnSchema;
import dev.ferry.state.schema.TableSchema;
import dev.ferry.state.spec.TableSpec;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Fills in the TOASTed values an update left unchanged and Postgres did not log (replica identity
 * default or index): they are read back from the source table by key, the way the initial load
 * reads them, for a whole batch of changes at once.
 *
 * <p>The value read is the row's current one, which may be newer than the change being filled. That
 * is safe: a later value was written by a later change, which the stream delivers after this one
 * with a higher version, so the destination ends with the right row; a row gone since (deleted, or
 * its key changed) was removed by a later change too, and the filled column is left NULL.
 */
final class PostgresToastFill {
    private static final int KEYS_PER_QUERY = 500;

    /** A row waiting for values: its values array, the columns to fill, and its key as Postgres prints it. */
    private record Pending(Object[] values, List<Integer> columns, String key, List<String> keyTexts) {}

    private final PostgresConnections connections;
    private final Map<String, TableSpec> specs;
    private final Map<String, List<Pending>> pending = new LinkedHashMap<>();
    private Connection conn;

    PostgresToastFill(PostgresConnections connections, Map<String, TableSpec> specs) {
        this.connections = connections;
        this.specs = specs;
    }

    /** Asks for {@code columns} of {@code values} to be read back, by the key texts the change carried. */
    void request(String table, Object[] values, List<Integer> columns, List<String> keyTexts) {
        pending.computeIfAbsent(table, t -> new ArrayList<>())
                .add(new Pending(values, columns, String.join("\u0000", keyTexts), keyTexts));
    }

    /** Reads every requested value and writes it into its row. */
    void resolve(Map<String, TableSchema> schemas) throws SQLException {
        if (pending.isEmpty()) {
            return;
        }
        if (conn == null || conn.isClosed()) {
            conn = connections.openForBulkRead("toast-fill");
        }
        for (Map.Entry<String, List<Pending>> e : pending.entrySet()) {
            List<Pending> rows = e.getValue();
            for (int from = 0; from < rows.size(); from += KEYS_PER_QUERY) {
                fill(e.getKey(), schemas.get(e.getKey()), rows.subList(from, Math.min(rows.size(), from + KEYS_PER_QUERY)));
            }
        }
        pending.clear();
    }

    private void fill(String table, TableSchema schema, List<Pending> rows) throws SQLException {
        SourceTable source = PostgresCatalog.read(conn, specs.get(table), true);
        List<String> key = schema.key();
        List<Integer> needed = new ArrayList<>();
        rows.forEach(r -> r.columns().forEach(c -> {
            if (!needed.contains(c)) {
                needed.add(c);
            }
        }));
        StringJoiner select = new StringJoiner(", ", "SELECT ", "");
        for (String k : key) {
            select.add("format('%s', " + PostgresSql.quoteIdent(k) + ")");
        }
        List<ColumnSchema> read = new ArrayList<>();
        for (int c : needed) {
            ColumnSchema column = schema.columns().get(c);
            int at = source.schema().indexOf(column.name());
            select.add(at < 0 ? "NULL" : source.selectExpressions().get(at));
            read.add(column);
        }
        StringJoiner tuples = new StringJoiner(", ");
        String one = key.size() == 1 ? "?" : "(" + "?, ".repeat(key.size() - 1) + "?)";
        rows.forEach(r -> tuples.add(one));
        String keyList = key.stream().map(PostgresSql::quoteIdent).reduce((a, b) -> a + ", " + b).orElseThrow();
        String sql = select + " FROM " + source.qualifiedName() + " WHERE "
                + (key.size() == 1 ? keyList : "(" + keyList + ")") + " IN (" + tuples + ")";
        Map<String, Object[]> found = new HashMap<>();
        PostgresRowReader reader = new PostgresRowReader(read);
        try (PreparedStatement ps = conn.prepareStatement(sql)) {
            int p = 1;
            for (Pending r : rows) {
                for (String text : r.keyTexts()) {
                    ps.setObject(p++, text, Types.OTHER); // typed by the server as the key column's type
                }
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    StringJoiner k = new StringJoiner("\u0000");
                    for (int i = 1; i <= key.size(); i++) {
                        k.add(rs.getString(i));
                    }
                    found.put(k.toString(), reader.read(rs, key.size() + 1));
                }
            }
        }
        for (Pending r : rows) {
            Object[] values = found.get(r.key());
            for (int c : r.columns()) {
                r.values()[c] = values == null ? null : values[needed.indexOf(c)];
            }
        }
    }

    void close() {
        try {
            if (conn != null) {
                conn.close();
            }
        } catch (SQLException e) {
            // closing after a failure: nothing to keep
        }
        conn = null;
    }
}
