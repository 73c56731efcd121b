package dev.ferry.operators.postgres.setup;

import dev.ferry.operators.PipeSetupException;
import dev.ferry.operators.postgres.PostgresConnections;
import dev.ferry.operators.postgres.PostgresSql;
import dev.ferry.operators.postgres.PostgresTextValues;
import dev.ferry.operators.postgres.setup.PostgresTypeMapping.MappedColumn;
import dev.ferry.operators.postgres.setup.PostgresTypeMapping.PgColumn;
import dev.ferry.state.schema.ColumnSchema;
import dev.ferry.state.schema.ColumnType;
import dev.ferry.state.schema.TableSchema;
import dev.ferry.state.spec.TableSpec;
import java.io.Serializable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a source table's shape from pg_catalog: columns, types, and the key the destination is
 * ordered by.
 *
 * <p>Key rule for pipes that follow changes: the key must be what Postgres logs to identify a row
 * (its replica identity), and unique at every change, so that changes of one key can be ordered by
 * their own WAL positions. So: the replica identity index when the table has one; else the primary
 * key, unless it is DEFERRABLE; else, for REPLICA IDENTITY FULL, the narrowest non-deferrable unique
 * index over NOT NULL columns; a DEFERRABLE primary key without one of those is refused with the
 * fix. Snapshot-only pipes take the primary key, else the replica identity index or the narrowest
 * unique index over NOT NULL columns. A table with no such key is keyed by each row's position
 * ({@code _ctid}, a String: the source ctid for rows of the initial load, prefixed by the leaf
 * partition for partitioned tables; the WAL position for rows the change stream inserts), so
 * duplicate rows are kept. Generated columns are left out: Postgres 15 does not publish them to
 * logical replication.
 *
 * <p>A partitioned table is read as one table: its columns and key from the root, its rows from
 * every leaf partition (the publication publishes changes as the root's).
 */
public final class PostgresCatalog {
    /** The synthetic key column of keyless tables. */
    public static final String CTID_COLUMN = "_ctid";

    private static final String TABLE_SQL = """
            SELECT c.oid, c.relkind, c.relreplident, has_table_privilege(c.oid, 'SELECT')
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = ? AND c.relname = ?""";

    private static final String COLUMNS_SQL = """
            SELECT a.attname, a.attnotnull, a.atttypmod, a.attgenerated,
                   coalesce(bt.typname, t.typname), coalesce(bt.typtype, t.typtype),
                   coalesce(ebt.typname, et.typname), coalesce(ebt.typtype, et.typtype),
                   CASE WHEN a.atthasmissing THEN a.attmissingval::text END, a.attnum
            FROM pg_attribute a
            JOIN pg_type t ON t.oid = a.atttypid
            LEFT JOIN pg_type bt ON t.typtype = 'd' AND bt.oid = t.typbasetype
            LEFT JOIN pg_type et ON coalesce(bt.typcategory, t.typcategory) = 'A'
                                AND coalesce(bt.typname, t.typname) LIKE '\\_%'
                                AND et.oid = coalesce(bt.typelem, t.typelem)
            LEFT JOIN pg_type ebt ON et.typtype = 'd' AND ebt.oid = et.typbasetype
            WHERE a.attrelid = ? AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum""";
    // Arrays are the types named _<element>: int2vector and oidvector are in category A too, but print
    // without braces, so they are kept as text like any other type.

    /**
     * Columns whose value in existing rows Postgres computed itself: a default that is not a constant
     * (or not stored as one, as on a partitioned table), an identity. Added to a table that has rows,
     * such a column makes Postgres rewrite every row without logging it.
     */
    private static final String FILLED_SQL = """
            SELECT attname FROM pg_attribute
            WHERE attrelid = ? AND attnum > 0 AND NOT attisdropped AND NOT atthasmissing
              AND (atthasdef OR attidentity <> '')""";

    /** Unique indexes that could key rows: primary key first, then the replica identity index, then the narrowest. */
    private static final String KEY_SQL = """
            SELECT i.indexrelid, a.attname, a.attnotnull, i.indisprimary, i.indisreplident, i.indimmediate,
                   i.indexrelid::regclass::text
            FROM pg_index i
            CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
            WHERE i.indrelid = ? AND i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL
            ORDER BY i.indisprimary DESC, i.indisreplident DESC, i.indnatts, i.indexrelid, k.ord""";

    /**
     * A table as found in the catalog, with the expressions the initial load selects, its replica
     * identity ({@code d}efault, {@code f}ull, {@code i}ndex, {@code n}othing), and whether it is
     * partitioned (its rows live in leaf partitions).
     */
    public record SourceTable(TableSpec spec, TableSchema schema, List<String> selectExpressions, long oid,
            char replicaIdentity, boolean partitioned) implements Serializable {
        public String qualifiedName() {
            return PostgresSql.qualified(spec.schema(), spec.name());
        }

        /** Keyed by row position ({@link #CTID_COLUMN}): the table has no usable key. */
        public boolean positionKeyed() {
            return schema.key().equals(List.of(CTID_COLUMN));
        }
    }

    private PostgresCatalog() {}

    /**
     * Reads a table, keyed by the rule for pipes that follow changes ({@code forChanges}) or for
     * snapshot-only pipes. Throws a one-line {@link PipeSetupException} for anything the user must fix.
     */
    public static SourceTable read(Connection conn, TableSpec table, boolean forChanges) throws SQLException {
        long oid;
        char relkind;
        char replident;
        try (PreparedStatement ps = conn.prepareStatement(TABLE_SQL)) {
            ps.setString(1, table.schema());
            ps.setString(2, table.name());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new PipeSetupException("table " + table.sourceId() + " does not exist in database "
                            + conn.getCatalog());
                }
                oid = rs.getLong(1);
                relkind = rs.getString(2).charAt(0);
                replident = rs.getString(3).charAt(0);
                if (!rs.getBoolean(4)) {
                    throw new PipeSetupException("user " + conn.getMetaData().getUserName()
                            + " may not SELECT from " + table.sourceId() + " (GRANT SELECT ON "
                            + PostgresSql.qualified(table.schema(), table.name()) + " TO ...)");
                }
            }
        }
        if (relkind != 'r' && relkind != 'p') {
            throw new PipeSetupException(table.sourceId() + " is " + describeRelkind(relkind)
                    + "; Ferry replicates ordinary and partitioned tables");
        }
        List<MappedColumn> mapped = new ArrayList<>();
        try (java.sql.Statement st = conn.createStatement()) {
            st.execute(PostgresConnections.TEXT_FORMS); // fast defaults are read as text, like every value
        }
        try (PreparedStatement ps = conn.prepareStatement(COLUMNS_SQL)) {
            ps.setLong(1, oid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (!rs.getString(4).isEmpty() || table.excludes(rs.getString(1))) {
                        continue; // generated, or left out by the spec
                    }
                    MappedColumn m = PostgresTypeMapping.map(new PgColumn(
                            rs.getString(1),
                            rs.getString(5),
                            rs.getString(6).charAt(0),
                            rs.getInt(3),
                            rs.getString(7),
                            rs.getString(8) == null ? ' ' : rs.getString(8).charAt(0),
                            rs.getBoolean(2)));
                    String missing = rs.getString(9);
                    ColumnSchema column = m.column().withPosition(rs.getInt(10));
                    mapped.add(new MappedColumn(missing == null ? column
                            : column.withMissing(missingValue(missing, column)), m.selectExpression()));
                }
            }
        }
        if (mapped.isEmpty()) {
            throw new PipeSetupException(table.sourceId() + " has no columns to replicate");
        }
        List<String> key = readKey(conn, oid, table, replident, forChanges);
        List<String> excludedKey = key.stream().filter(table::excludes).toList();
        if (!excludedKey.isEmpty()) {
            throw new PipeSetupException(table.sourceId() + ": exclude_columns names " + String.join(", ", excludedKey)
                    + ", which keys its changes (primary key or replica identity): keep key columns in the pipe");
        }
        if (key.isEmpty()) {
            // ctids repeat across the leaves of a partitioned table: the leaf names the row too.
            mapped.add(new MappedColumn(new ColumnSchema(CTID_COLUMN, ColumnType.of(ColumnType.Kind.STRING), false,
                    "tid"), relkind == 'p' ? "tableoid::regclass::text || ctid::text" : "ctid::text"));
            key = List.of(CTID_COLUMN);
        }
        List<ColumnSchema> columns = new ArrayList<>();
        List<String> expressions = new ArrayList<>();
        for (MappedColumn m : mapped) {
            ColumnSchema c = m.column();
            String expression = m.selectExpression();
            if (key.contains(c.name()) && c.type().kind() == ColumnType.Kind.DECIMAL) {
                // A numeric key may hold NaN, which no Decimal holds and a sorting key cannot be NULL for: its
                // exact text keys the row instead.
                c = c.asKey(ColumnType.of(ColumnType.Kind.STRING));
                expression = PostgresSql.quoteIdent(c.name()) + "::text";
            } else if (key.contains(c.name()) && c.nullable()) {
                c = c.asKey(c.type()); // sorting keys cannot be Nullable
            }
            columns.add(c);
            expressions.add(expression);
        }
        return new SourceTable(table, new TableSchema(table.sourceId(), table.target(), columns, key), expressions,
                oid, replident, relkind == 'p');
    }

    /**
     * A table's columns as the change stream's relation messages describe them: each live column's
     * type oid, and the highest attnum of a dropped column (0 if none).
     */
    public record Attributes(java.util.Map<String, Integer> typeOids, int lastDropped) {}

    public static Attributes attributes(Connection conn, long oid) throws SQLException {
        java.util.Map<String, Integer> types = new java.util.HashMap<>();
        int lastDropped = 0;
        try (PreparedStatement ps = conn.prepareStatement(
                "SELECT attname, atttypid, attisdropped, attnum FROM pg_attribute WHERE attrelid = ? AND attnum > 0")) {
            ps.setLong(1, oid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (rs.getBoolean(3)) {
                        lastDropped = Math.max(lastDropped, rs.getInt(4));
                    } else {
                        types.put(rs.getString(1), (int) rs.getLong(2));
                    }
                }
            }
        }
        return new Attributes(types, lastDropped);
    }

    /** The columns of table {@code oid} whose values Postgres computes when they are added (see {@link #FILLED_SQL}). */
    public static java.util.Set<String> filledByPostgres(Connection conn, long oid) throws SQLException {
        java.util.Set<String> names = new java.util.HashSet<>();
        try (PreparedStatement ps = conn.prepareStatement(FILLED_SQL)) {
            ps.setLong(1, oid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
        }
        return names;
    }

    /**
     * The fast default rows stored before the column was added read: {@code attmissingval}, a
     * one-element array of the column's type, as text.
     */
    private static Object missingValue(String arrayText, ColumnSchema column) {
        String text = PostgresTextValues.arrayElements(arrayText, ',').get(0);
        return text == null ? null : PostgresTextValues.parse(text, column);
    }

    /** A unique index over the table's columns. */
    private record UniqueIndex(String name, List<String> columns, boolean notNull, boolean primary,
            boolean replicaIdentity, boolean immediate) {}

    /** The key by the rule in the class comment; empty when the table has none. */
    private static List<String> readKey(Connection conn, long oid, TableSpec table, char replident, boolean forChanges)
            throws SQLException {
        List<UniqueIndex> indexes = new ArrayList<>();
        try (PreparedStatement ps = conn.prepareStatement(KEY_SQL)) {
            ps.setLong(1, oid);
            try (ResultSet rs = ps.executeQuery()) {
                long current = -1;
                List<String> columns = null;
                boolean notNull = true;
                while (rs.next()) {
                    if (rs.getLong(1) != current) {
                        current = rs.getLong(1);
                        columns = new ArrayList<>();
                        notNull = true;
                        indexes.add(new UniqueIndex(rs.getString(7), columns, true, rs.getBoolean(4), rs.getBoolean(5),
                                rs.getBoolean(6)));
                    }
                    columns.add(rs.getString(2));
                    if (!rs.getBoolean(3) && notNull) {
                        notNull = false;
                        UniqueIndex last = indexes.remove(indexes.size() - 1);
                        indexes.add(new UniqueIndex(last.name(), columns, false, last.primary(), last.replicaIdentity(),
                                last.immediate()));
                    }
                }
            }
        }
        List<UniqueIndex> usable = indexes.stream().filter(UniqueIndex::notNull).toList();
        // Where the key is Ferry's choice, one without excluded columns; where the source dictates it, it must be kept.
        List<UniqueIndex> choosable = usable.stream().filter(i -> i.columns().stream().noneMatch(table::excludes)).toList();
        if (!forChanges) {
            return choosable.isEmpty() ? List.of() : choosable.get(0).columns();
        }
        if (replident == 'i') {
            return usable.stream().filter(UniqueIndex::replicaIdentity).findFirst().map(UniqueIndex::columns)
                    .orElse(List.of());
        }
        UniqueIndex primary = usable.stream().filter(UniqueIndex::primary).findFirst().orElse(null);
        if (primary != null && primary.immediate()) {
            return primary.columns();
        }
        if (replident == 'f') {
            UniqueIndex narrowest = choosable.stream().filter(UniqueIndex::immediate).findFirst().orElse(null);
            if (narrowest != null) {
                return narrowest.columns();
            }
        }
        if (primary != null) {
            throw new PipeSetupException(table.sourceId() + "'s primary key is DEFERRABLE, so changes of one key cannot"
                    + " be ordered by their WAL positions: make it NOT DEFERRABLE, or ALTER TABLE "
                    + PostgresSql.qualified(table.schema(), table.name())
                    + " REPLICA IDENTITY USING INDEX <a non-deferrable unique index on NOT NULL columns>");
        }
        return List.of();
    }

    /** Names of {@code exclude_columns} the table does not have (a misspelt name would leave the column in). */
    public static List<String> unknownExcluded(Connection conn, SourceTable table) throws SQLException {
        java.util.Set<String> columns = attributes(conn, table.oid()).typeOids().keySet();
        return table.spec().excludedColumns().stream().filter(c -> !columns.contains(c)).toList();
    }

    private static String describeRelkind(char relkind) {
        return switch (relkind) {
            case 'v' -> "a view";
            case 'm' -> "a materialized view";
            case 'f' -> "a foreign table";
            case 'S' -> "a sequence";
            default -> "not a table (relkind " + relkind + ")";
        };
    }
}
