package dev.ferry.operators.postgres.stream;

import dev.ferry.operators.postgres.PostgresConnections;
import dev.ferry.operators.postgres.setup.PostgresCatalog.SourceTable;
import dev.ferry.state.schema.ColumnSchema;
import dev.ferry.state.schema.TableSchema;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.io.Serializable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where a table's rows are stored ({@code files}: the relfilenodes of the table and of its
 * partitions) and which transaction last wrote each column's catalog row ({@code columnRows}: attnum
 * to the {@code pg_attribute} row's xmin).
 *
 * <p>Why: {@code ALTER COLUMN ... TYPE ... USING} rewrites every row into new files without logging
 * a row, and may change values while the ClickHouse type stays (text to varchar(20) USING trim(c),
 * int to int USING c * 2). The stream cannot see the new values; it can see that the files were
 * replaced and that the same column's catalog row was written meanwhile. VACUUM FULL, CLUSTER,
 * TRUNCATE and SET TABLESPACE replace the files too but leave every column row as it was, so they
 * copy nothing again.
 */
record PostgresTableStorage(List<Long> files, Map<Integer, Long> columnRows) implements Serializable {
    /** The table and, when partitioned, every partition under it (the tree function lists nothing for a plain table). */
    private static final String FILES_SQL = "SELECT relfilenode FROM pg_class WHERE oid = ?"
            + " OR oid IN (SELECT relid FROM pg_partition_tree(?::oid::regclass)) ORDER BY oid";
    private static final String COLUMN_ROWS_SQL = "SELECT attnum, xmin::text::bigint FROM pg_attribute"
            + " WHERE attrelid = ? AND attnum > 0 AND NOT attisdropped";

    PostgresTableStorage {
        files = List.copyOf(files);
        columnRows = Map.copyOf(columnRows);
    }

    /** Each table's storage now, by source id. */
    static Map<String, PostgresTableStorage> read(PostgresConnections connections, List<SourceTable> tables)
            throws SQLException {
        Map<String, PostgresTableStorage> storage = new HashMap<>();
        try (Connection conn = connections.open("schema")) {
            for (SourceTable t : tables) {
                storage.put(t.spec().sourceId(), read(conn, t.oid()));
            }
        }
        return storage;
    }

    static PostgresTableStorage read(Connection conn, long oid) throws SQLException {
        List<Long> files = new ArrayList<>();
        try (PreparedStatement ps = conn.prepareStatement(FILES_SQL)) {
            ps.setLong(1, oid);
            ps.setLong(2, oid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    files.add(rs.getLong(1));
                }
            }
        }
        Map<Integer, Long> rows = new TreeMap<>();
        try (PreparedStatement ps = conn.prepareStatement(COLUMN_ROWS_SQL)) {
            ps.setLong(1, oid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.put(rs.getInt(1), rs.getLong(2));
                }
            }
        }
        return new PostgresTableStorage(files, rows);
    }

    /**
     * Why the rows may hold values the stream never saw, going from {@code before} (with the table
     * as {@code known}) to this (the table as {@code current}): the files were replaced and a column
     * that is in both was redefined meanwhile. Null otherwise, and when {@code before} is unknown. A
     * rename or SET NOT NULL and a VACUUM FULL between two looks also match: the table is copied again
     * needlessly, never wrongly.
     */
    String rewrittenSince(PostgresTableStorage before, TableSchema known, TableSchema current) {
        if (before == null || before.files.equals(files)) {
            return null;
        }
        for (ColumnSchema now : current.columns()) {
            boolean kept = !now.dropped() && known.columns().stream()
                    .anyMatch(c -> !c.dropped() && c.position() == now.position() && now.position() > 0);
            Long was = before.columnRows.get(now.position());
            if (kept && was != null && !was.equals(columnRows.get(now.position()))) {
                return "column " + now.name() + " was redefined and every row rewritten (ALTER COLUMN ... TYPE ..."
                        + " USING) without logging them";
            }
        }
        return null;
    }

    void write(DataOutput out) throws IOException {
        out.writeInt(files.size());
        for (long file : files) {
            out.writeLong(file);
        }
        out.writeInt(columnRows.size());
        for (Map.Entry<Integer, Long> e : columnRows.entrySet()) {
            out.writeInt(e.getKey());
            out.writeLong(e.getValue());
        }
    }

    static PostgresTableStorage read(DataInput in) throws IOException {
        List<Long> files = new ArrayList<>();
        for (int n = in.readInt(); n > 0; n--) {
            files.add(in.readLong());
        }
        Map<Integer, Long> rows = new TreeMap<>();
        for (int n = in.readInt(); n > 0; n--) {
            rows.put(in.readInt(), in.readLong());
        }
        return new PostgresTableStorage(files, rows);
    }
}
