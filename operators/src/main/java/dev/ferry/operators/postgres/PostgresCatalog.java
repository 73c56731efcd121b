package dev.ferry.operators.postgres;

import dev.ferry.operators.PipeSetupException;
import dev.ferry.operators.postgres.PostgresTypeMapping.MappedColumn;
import dev.ferry.operators.postgres.PostgresTypeMapping.PgColumn;
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
 * <p>Key rule: the primary key; else the replica identity index or the smallest unique index over
 * NOT NULL columns; else, for snapshot-only pipes, the row's position ({@code _ctid}, a String
 * column holding the source ctid, so duplicate rows are kept); CDC pipes refuse such tables because a
 * change could not be matched to its row. Generated columns are left out: Postgres 15 does not
 * publish them to logical replication.
 */
public final class PostgresCatalog {
    /** The synthetic key column of keyless tables in snapshot-only pipes. */
    public static final String CTID_COLUMN = "_ctid";

    private static final String TABLE_SQL = """
            SELECT c.oid, c.relkind, c.relreplident, has_table_privilege(c.oid, 'SELECT')
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = ? AND c.relname = ?""";

    private static final String COLUMNS_SQL = """
            SELECT a.attname, a.attnotnull, a.atttypmod, a.attgenerated,
                   coalesce(bt.typname, t.typname), coalesce(bt.typtype, t.typtype),
                   coalesce(ebt.typname, et.typname), coalesce(ebt.typtype, et.typtype)
            FROM pg_attribute a
            JOIN pg_type t ON t.oid = a.atttypid
            LEFT JOIN pg_type bt ON t.typtype = 'd' AND bt.oid = t.typbasetype
            LEFT JOIN pg_type et ON coalesce(bt.typcategory, t.typcategory) = 'A'
                                AND et.oid = coalesce(bt.typelem, t.typelem)
            LEFT JOIN pg_type ebt ON et.typtype = 'd' AND ebt.oid = et.typbasetype
            WHERE a.attrelid = ? AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum""";

    /** Primary key first, then the replica identity index, then the narrowest unique index. */
    private static final String KEY_SQL = """
            SELECT i.indexrelid, a.attname, a.attnotnull
            FROM pg_index i
            CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
            WHERE i.indrelid = ? AND i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL
            ORDER BY i.indisprimary DESC, i.indisreplident DESC, i.indnatts, i.indexrelid, k.ord""";

    /**
     * A table as found in the catalog, with the expressions the initial load selects and its replica
     * identity ({@code d}efault, {@code f}ull, {@code i}ndex, {@code n}othing).
     */
    public record SourceTable(TableSpec spec, TableSchema schema, List<String> selectExpressions, long oid,
            char replicaIdentity) implements Serializable {
        public String qualifiedName() {
            return PostgresSql.qualified(spec.schema(), spec.name());
        }
    }

    private PostgresCatalog() {}

    /**
     * Reads a table; {@code allowPositionKey} lets keyless tables be keyed by ctid (snapshot-only
     * pipes). Throws a one-line {@link PipeSetupException} for anything the user must fix.
     */
    public static SourceTable read(Connection conn, TableSpec table, boolean allowPositionKey) throws SQLException {
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
        if (relkind != 'r') {
            throw new PipeSetupException(table.sourceId() + " is " + describeRelkind(relkind)
                    + "; Ferry replicates ordinary tables"
                    + (relkind == 'p' ? " (list the partitions instead of the partitioned table)" : ""));
        }
        List<MappedColumn> mapped = new ArrayList<>();
        try (PreparedStatement ps = conn.prepareStatement(COLUMNS_SQL)) {
            ps.setLong(1, oid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (!rs.getString(4).isEmpty()) {
                        continue; // generated column
                    }
                    mapped.add(PostgresTypeMapping.map(new PgColumn(
                            rs.getString(1),
                            rs.getString(5),
                            rs.getString(6).charAt(0),
                            rs.getInt(3),
                            rs.getString(7),
                            rs.getString(8) == null ? ' ' : rs.getString(8).charAt(0),
                            rs.getBoolean(2))));
                }
            }
        }
        if (mapped.isEmpty()) {
            throw new PipeSetupException(table.sourceId() + " has no columns to replicate");
        }
        List<String> key = readKey(conn, oid);
        if (key.isEmpty()) {
            if (!allowPositionKey) {
                throw new PipeSetupException(table.sourceId() + " has no primary key or unique NOT NULL index, so"
                        + " changes cannot be matched to rows; add a primary key, or use replication_mode: snapshot");
            }
            mapped.add(new MappedColumn(
                    new ColumnSchema(CTID_COLUMN, ColumnType.of(ColumnType.Kind.STRING), false, "tid"), "ctid::text"));
            key = List.of(CTID_COLUMN);
        }
        List<ColumnSchema> columns = new ArrayList<>();
        List<String> expressions = new ArrayList<>();
        for (MappedColumn m : mapped) {
            ColumnSchema c = m.column();
            if (key.contains(c.name()) && c.nullable()) {
                c = new ColumnSchema(c.name(), c.type(), false, c.sourceType()); // sorting keys cannot be Nullable
            }
            columns.add(c);
            expressions.add(m.selectExpression());
        }
        return new SourceTable(table, new TableSchema(table.sourceId(), table.target(), columns, key), expressions,
                oid, replident);
    }

    private static List<String> readKey(Connection conn, long oid) throws SQLException {
        List<String> key = new ArrayList<>();
        long chosen = -1;
        boolean usable = true;
        try (PreparedStatement ps = conn.prepareStatement(KEY_SQL)) {
            ps.setLong(1, oid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long index = rs.getLong(1);
                    if (chosen != index) {
                        if (chosen != -1 && usable) {
                            return key;
                        }
                        chosen = index;
                        usable = true;
                        key.clear();
                    }
                    usable &= rs.getBoolean(3);
                    key.add(rs.getString(2));
                }
            }
        }
        return chosen != -1 && usable ? key : List.of();
    }

    private static String describeRelkind(char relkind) {
        return switch (relkind) {
            case 'p' -> "a partitioned table";
            case 'v' -> "a view";
            case 'm' -> "a materialized view";
            case 'f' -> "a foreign table";
            case 'S' -> "a sequence";
            default -> "not a table (relkind " + relkind + ")";
        };
    }
}
