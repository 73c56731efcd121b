package dev.ferry.operators.clickhouse;

import static dev.ferry.operators.clickhouse.ClickHouseSql.quoteIdent;

import dev.ferry.state.schema.ColumnSchema;
import dev.ferry.state.schema.TableSchema;
import java.util.List;
import java.util.StringJoiner;

/**
 * DDL of Ferry's destination tables: the source columns plus {@code _version}, {@code _is_deleted}
 * and {@code _synced_at}, as {@code ReplacingMergeTree(_version, _is_deleted)} ordered by the key,
 * so {@code SELECT ... FINAL WHERE _is_deleted = 0} shows the source's rows.
 */
public final class ClickHouseTableDdl {
    public static final String VERSION = "_version";
    public static final String IS_DELETED = "_is_deleted";
    public static final String SYNCED_AT = "_synced_at";
    public static final List<String> META_COLUMNS = List.of(VERSION, IS_DELETED, SYNCED_AT);

    /** Blocks remembered per table for insert_deduplication_token on non-replicated tables. */
    static final int DEDUPLICATION_WINDOW = 1000;

    private ClickHouseTableDdl() {}

    public static String createDatabase(String database) {
        return "CREATE DATABASE IF NOT EXISTS " + quoteIdent(database);
    }

    public static String createTable(String database, TableSchema table) {
        return createTable(database, table.target(), table);
    }

    /** CREATE TABLE for {@code table}'s columns under another name (e.g. a resync copy). */
    public static String createTable(String database, String name, TableSchema table) {
        for (ColumnSchema c : table.columns()) {
            if (META_COLUMNS.contains(c.name())) {
                throw new IllegalArgumentException(table.sourceId() + " has a column named " + c.name()
                        + ", which Ferry reserves in ClickHouse; rename it at the source or leave the table out");
            }
        }
        StringJoiner columns = new StringJoiner(",\n  ", "(\n  ", "\n)");
        for (ColumnSchema c : table.columns()) {
            columns.add(quoteIdent(c.name()) + " " + ClickHouseTypes.of(c));
        }
        columns.add(quoteIdent(VERSION) + " UInt64");
        columns.add(quoteIdent(IS_DELETED) + " UInt8");
        columns.add(quoteIdent(SYNCED_AT) + " DateTime64(9) DEFAULT now64(9)");
        StringJoiner orderBy = new StringJoiner(", ", "(", ")");
        table.key().forEach(k -> orderBy.add(quoteIdent(k)));
        return "CREATE TABLE IF NOT EXISTS " + ClickHouseSql.qualified(database, name) + " " + columns
                + "\nENGINE = ReplacingMergeTree(" + quoteIdent(VERSION) + ", " + quoteIdent(IS_DELETED) + ")"
                + "\nORDER BY " + orderBy
                + "\nSETTINGS non_replicated_deduplication_window = " + DEDUPLICATION_WINDOW;
    }

    /** Adds the columns of {@code schema} that {@code before} did not have. */
    public static List<String> addColumns(String database, TableSchema before, TableSchema schema) {
        List<String> statements = new java.util.ArrayList<>();
        for (ColumnSchema c : schema.columns()) {
            if (before.indexOf(c.name()) < 0) {
                statements.add("ALTER TABLE " + ClickHouseSql.qualified(database, schema.target()) + " ADD COLUMN IF NOT EXISTS "
                        + quoteIdent(c.name()) + " " + ClickHouseTypes.of(c));
            }
        }
        return statements;
    }

    /** Columns an insert names: the source columns, version and delete flag; _synced_at is the server's. */
    public static List<String> insertColumns(TableSchema table) {
        List<String> names = new java.util.ArrayList<>(table.columnNames());
        names.add(VERSION);
        names.add(IS_DELETED);
        return names;
    }
}
