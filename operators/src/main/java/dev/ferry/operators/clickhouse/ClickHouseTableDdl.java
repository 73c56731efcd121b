package dev.ferry.operators.clickhouse;

import static dev.ferry.operators.clickhouse.ClickHouseSql.qualified;
import static dev.ferry.operators.clickhouse.ClickHouseSql.quoteIdent;
import static dev.ferry.operators.clickhouse.ClickHouseSql.quoteLiteral;

import dev.ferry.state.record.ChangeVersions;
import dev.ferry.state.schema.ColumnSchema;
import dev.ferry.state.schema.TableSchema;
import dev.ferry.state.spec.DestinationTable;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

/**
 * DDL of Ferry's destination tables: the source columns plus {@code _version}, {@code _is_deleted}
 * and {@code _synced_at}, as {@code ReplacingMergeTree(_version, _is_deleted)} ordered by the key
 * (or as the spec's {@link DestinationTable} says: its sorting key holds the key, its column types),
 * so {@code SELECT ... FINAL WHERE _is_deleted = 0} shows the source's rows. Where the tables are
 * replicated, which DDL runs ON CLUSTER and which tables are Distributed is the
 * {@link ClickHouseDestinationLayout}'s; the statements are written here.
 */
public final class ClickHouseTableDdl {
    public static final String VERSION = "_version";
    /** The comment of a destination column: the source's number for it ({@link ColumnSchema#position()}). */
    static final String POSITION_COMMENT = "source column ";
    public static final String IS_DELETED = "_is_deleted";
    public static final String SYNCED_AT = "_synced_at";
    public static final List<String> META_COLUMNS = List.of(VERSION, IS_DELETED, SYNCED_AT);

    /** Blocks remembered per table for insert_deduplication_token on non-replicated tables. */
    static final int DEDUPLICATION_WINDOW = 1000;

    private ClickHouseTableDdl() {}

    public static String createDatabase(String database) {
        return "CREATE DATABASE IF NOT EXISTS " + quoteIdent(database);
    }

    /** Creates the layout's database (as Atomic, ON CLUSTER when it has one); nothing changes if it exists. */
    public static String createDatabase(ClickHouseDestinationLayout layout) {
        return createDatabase(layout.database()) + layout.onCluster();
    }

    /** CREATE TABLE of a plain (single-server, non-replicated) destination. */
    public static String createTable(String database, TableSchema table) {
        return createTable(database, table.target(), table);
    }

    /** CREATE TABLE for {@code table}'s columns under another name, on a plain destination. */
    public static String createTable(String database, String name, TableSchema table) {
        return createTable(ClickHouseDestinationLayout.ofDatabase(database, null), name, table, DestinationTable.DEFAULT,
                null, null).get(0);
    }

    /** The statements that create a target's table in this layout: the table, then its Distributed table, if any. */
    public static List<String> createTable(ClickHouseDestinationLayout layout, TableSchema table) {
        return createTable(layout, table, DestinationTable.DEFAULT);
    }

    /** As {@link #createTable(ClickHouseDestinationLayout, TableSchema)}, keyed as {@code keys} say. */
    public static List<String> createTable(ClickHouseDestinationLayout layout, TableSchema table, DestinationTable keys) {
        return createTable(layout, table.target(), table, keys, null, null);
    }

    /**
     * The sorting columns of {@code table}'s destination: {@code keys.orderBy()} if set, which must name
     * columns of the table and hold its key (so a row's versions share a sorting key and replace each
     * other); else the key.
     */
    public static List<String> sortingColumns(TableSchema table, DestinationTable keys) {
        for (String c : keys.orderBy()) {
            int at = table.indexOf(c);
            if (at < 0 || table.columns().get(at).dropped()) {
                throw new IllegalArgumentException(table.sourceId() + ": order_by names " + c
                        + ", which is not a column it replicates");
            }
        }
        List<String> missing = table.key().stream().filter(k -> !keys.orderBy().isEmpty() && !keys.orderBy().contains(k))
                .toList();
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(table.sourceId() + ": order_by must hold its key column"
                    + (missing.size() > 1 ? "s " : " ") + String.join(", ", missing)
                    + ", so that a row's versions replace each other: add " + String.join(", ", missing) + " to order_by");
        }
        List<String> sorting = keys.sortingColumns(table.key());
        if (keys.primaryKey().size() > sorting.size()
                || !sorting.subList(0, keys.primaryKey().size()).equals(keys.primaryKey())) {
            throw new IllegalArgumentException(table.sourceId() + ": primary_key " + keys.primaryKey()
                    + " must be a prefix of the sorting key " + sorting);
        }
        return sorting;
    }

    /**
     * @param comment the table's COMMENT, or null
     * @param pathSuffix for a table that will be renamed (a resync copy), see
     *     {@link ClickHouseDestinationLayout#engine}; null otherwise
     */
    static List<String> createTable(ClickHouseDestinationLayout layout, String name, TableSchema source,
            DestinationTable keys, String comment, String pathSuffix) {
        TableSchema table = ClickHouseTypeOverrides.apply(source, keys);
        for (ColumnSchema c : table.columns()) {
            if (META_COLUMNS.contains(c.name())) {
                throw new IllegalArgumentException(table.sourceId() + " has a column named " + c.name()
                        + ", which Ferry reserves in ClickHouse; rename it at the source or leave the table out");
            }
        }
        StringJoiner columns = new StringJoiner(",\n  ", "(\n  ", "\n)");
        for (ColumnSchema c : table.columns()) {
            columns.add(quoteIdent(c.name()) + " " + ClickHouseTypes.of(c) + positionComment(c));
        }
        columns.add(quoteIdent(VERSION) + " UInt64");
        columns.add(quoteIdent(IS_DELETED) + " UInt8");
        columns.add(quoteIdent(SYNCED_AT) + " DateTime64(9) DEFAULT now64(9)");
        List<String> sorting = sortingColumns(table, keys);
        List<String> settings = new ArrayList<>();
        if (!layout.replicated()) {
            // Replicated tables deduplicate inserts by default (replicated_deduplication_window).
            settings.add("non_replicated_deduplication_window = " + DEDUPLICATION_WINDOW);
        }
        if (keys.partitionBy() != null || sorting.stream().anyMatch(c -> table.columns().get(table.indexOf(c)).nullable())) {
            settings.add("allow_nullable_key = 1"); // sorting or partition columns beyond the key keep their NULLs
        }
        List<String> statements = new ArrayList<>();
        statements.add("CREATE TABLE IF NOT EXISTS " + qualified(layout.database(), name) + layout.onCluster() + " "
                + columns
                + "\nENGINE = " + layout.engine("ReplacingMergeTree", quoteIdent(VERSION) + ", " + quoteIdent(IS_DELETED),
                        pathSuffix)
                + (keys.partitionBy() == null ? "" : "\nPARTITION BY " + keys.partitionBy())
                + "\nORDER BY " + keyTuple(sorting)
                + (keys.primaryKey().isEmpty() ? "" : "\nPRIMARY KEY " + keyTuple(keys.primaryKey()))
                + (settings.isEmpty() ? "" : "\nSETTINGS " + String.join(", ", settings))
                + (comment == null ? "" : "\nCOMMENT " + quoteLiteral(comment)));
        if (layout.distributed()) {
            statements.add(createDistributed(layout, name, "CREATE TABLE IF NOT EXISTS",
                    layout.shardingKey() != null ? layout.shardingKey() : "cityHash64" + keyTuple(table.key())));
        }
        return statements;
    }

    private static String keyTuple(List<String> key) {
        StringJoiner tuple = new StringJoiner(", ", "(", ")");
        key.forEach(k -> tuple.add(quoteIdent(k)));
        return tuple.toString();
    }

    /**
     * {@code <table>_distributed} over the layout's cluster, with {@code table}'s columns. Every version
     * of a row has the same key, so the default sharding key puts them all on one shard, where
     * ReplacingMergeTree can replace them.
     */
    static String createDistributed(ClickHouseDestinationLayout layout, String table, String create, String shardingKey) {
        String db = layout.database();
        return create + " " + qualified(db, ClickHouseDestinationLayout.distributedName(table)) + layout.onCluster()
                + " AS " + qualified(db, table)
                + "\nENGINE = Distributed(" + quoteLiteral(layout.distributedCluster()) + ", " + quoteLiteral(db) + ", "
                + quoteLiteral(table) + ", " + shardingKey + ")";
    }

    /**
     * After a resync swapped new data (maybe with other columns) under {@code table}'s name: its
     * Distributed table again, with the new columns, in one step. {@code sortingKey} is the new table's
     * ({@code system.tables.sorting_key}).
     */
    static String replaceDistributed(ClickHouseDestinationLayout layout, String table, String sortingKey) {
        return createDistributed(layout, table, "CREATE OR REPLACE TABLE",
                layout.shardingKey() != null ? layout.shardingKey() : "cityHash64(" + sortingKey + ")");
    }

    /** A destination column as {@code system.columns} describes it: its type and the source position in its comment. */
    public record ExistingColumn(String type, int position, boolean sorting) {
        public ExistingColumn(String type, int position) {
            this(type, position, false);
        }

        /** @param sorting whether the column is in the table's sorting key, which ClickHouse cannot rename */
        public static ExistingColumn of(String type, String comment, boolean sorting) {
            return new ExistingColumn(type, comment != null && comment.startsWith(POSITION_COMMENT)
                    ? Integer.parseInt(comment.substring(POSITION_COMMENT.length()).trim()) : 0, sorting);
        }
    }

    /**
     * What it takes to write {@code schema}'s rows into a table that has {@code existing} columns:
     * columns to rename (matched by their source position, which a rename at the source keeps), to
     * add, to make Nullable, to label with their source position; and the columns that are Nullable
     * there though not in the schema (rows must be encoded as Nullable). A column whose type differs
     * otherwise, or a renamed key column, cannot be changed in place with the values kept exact: it
     * is a problem, with the fix.
     */
    public record Reconciliation(List<String> statements, java.util.Set<String> nullableThere, List<String> problems) {}

    public static Reconciliation reconcile(ClickHouseDestinationLayout layout, TableSchema schema,
            java.util.Map<String, ExistingColumn> existing, boolean dropDropped) {
        List<String> tables = new ArrayList<>(List.of(schema.target()));
        if (layout.distributed()) {
            tables.add(ClickHouseDestinationLayout.distributedName(schema.target()));
        }
        List<String> alters = new ArrayList<>();
        java.util.Set<String> nullableThere = new java.util.HashSet<>();
        List<String> problems = new ArrayList<>();
        for (ColumnSchema c : schema.columns()) {
            ExistingColumn there = existing.get(c.name());
            if (c.dropped()) {
                if (dropDropped && there != null) {
                    alters.add(" DROP COLUMN IF EXISTS " + quoteIdent(c.name()));
                } else if (!dropDropped && there == null) {
                    // kept, but a table made after the drop (a resync copy) lacks it: rows still carry it
                    alters.add(" ADD COLUMN IF NOT EXISTS " + quoteIdent(c.name()) + " " + ClickHouseTypes.of(c)
                            + positionComment(c));
                } else if (there != null && !c.nullable() && there.type().startsWith("Nullable(")) {
                    nullableThere.add(c.name()); // made Nullable before it was dropped: its NULLs are written as such
                }
                continue; // kept: it holds the values it had, later rows NULL or its default
            }
            if (there == null && c.position() > 0) {
                String before = renamedFrom(schema, existing, c.position());
                if (before != null && (schema.key().contains(c.name()) || existing.get(before).sorting())) {
                    problems.add("sorting-key column " + before + " of " + schema.target() + " was renamed to " + c.name()
                            + " at the source, and ClickHouse cannot rename a sorting-key column: resync " + schema.sourceId());
                    continue;
                }
                if (before != null) {
                    alters.add(" RENAME COLUMN IF EXISTS " + quoteIdent(before) + " TO " + quoteIdent(c.name()));
                    there = existing.get(before);
                }
            }
            String want = ClickHouseTypes.of(c);
            if (there == null) {
                // Rows already there read what they read at the source: the column's fast default.
                alters.add(" ADD COLUMN IF NOT EXISTS " + quoteIdent(c.name()) + " " + want
                        + (c.missing() == null ? "" : " DEFAULT " + ClickHouseLiterals.of(c.missing(), c.type()))
                        + positionComment(c));
                continue;
            }
            if (there.position() == 0 && c.position() > 0) {
                alters.add(" COMMENT COLUMN " + quoteIdent(c.name()) + " " + quoteLiteral(POSITION_COMMENT + c.position()));
            }
            String have = there.type();
            String asNullable = ClickHouseTypes.of(c.type(), c.type().kind() != dev.ferry.state.schema.ColumnType.Kind.ARRAY);
            if (sameType(have, want) || (c.type().isJsonObject() && have.startsWith("JSON"))) {
                continue;
            }
            if (sameType(have, asNullable)) {
                nullableThere.add(c.name());
            } else if (want.equals(asNullable) && sameType(have, ClickHouseTypes.of(c.type(), false))) {
                alters.add(" MODIFY COLUMN " + quoteIdent(c.name()) + " " + want);
            } else {
                problems.add("column " + c.name() + " of " + schema.target() + " is " + have + " in ClickHouse, but "
                        + schema.sourceId() + " now has it as " + c.sourceType() + " (" + want + "), which cannot be"
                        + " changed in place with every value kept exact: resync " + schema.sourceId());
            }
        }
        if (dropDropped) {
            // Dropped while the pipe was stopped: the schema no longer names it, its comment says what it was.
            for (java.util.Map.Entry<String, ExistingColumn> e : existing.entrySet()) {
                int position = e.getValue().position();
                if (position > 0 && schema.indexOf(e.getKey()) < 0
                        && schema.columns().stream().noneMatch(c -> c.position() == position)) {
                    alters.add(" DROP COLUMN IF EXISTS " + quoteIdent(e.getKey()));
                }
            }
        }
        List<String> statements = new ArrayList<>();
        for (String table : tables) {
            for (String alter : alters) {
                statements.add("ALTER TABLE " + qualified(layout.database(), table) + layout.onCluster() + alter);
            }
        }
        return new Reconciliation(statements, nullableThere, problems);
    }

    /** The destination column that holds source position {@code position} under a name the schema no longer has. */
    private static String renamedFrom(TableSchema schema, java.util.Map<String, ExistingColumn> existing, int position) {
        for (java.util.Map.Entry<String, ExistingColumn> e : existing.entrySet()) {
            if (e.getValue().position() == position && schema.indexOf(e.getKey()) < 0) {
                return e.getKey();
            }
        }
        return null;
    }

    /** Where a column's source position is kept in ClickHouse, so a rename at the source can be matched. */
    private static String positionComment(ColumnSchema c) {
        return c.position() > 0 ? " COMMENT " + quoteLiteral(POSITION_COMMENT + c.position()) : "";
    }

    /**
     * Deletes what a TRUNCATE at the source leaves of {@code table}: changes before it (versions below
     * {@code truncateVersion}) and rows read under snapshots taken before its commit (snapshot
     * versions up to {@code commitPosition}). Rows of a later snapshot already show what followed the
     * TRUNCATE and stay. On a cluster, on every shard's table.
     */
    public static String deleteTruncated(ClickHouseDestinationLayout layout, String table, long truncateVersion,
            long commitPosition) {
        String version = quoteIdent(VERSION);
        return "DELETE FROM " + qualified(layout.database(), table) + layout.onCluster() + " WHERE (" + version + " >= "
                + Long.toUnsignedString(ChangeVersions.CHANGE_BIT) + " AND " + version + " < "
                + Long.toUnsignedString(truncateVersion) + ") OR " + version + " <= " + commitPosition;
    }

    /**
     * Removes every version of the rows whose newest version is a delete (deletes: hard), by a mutation,
     * which rewrites the parts that hold them. Rows are told apart by the sorting key, as the table
     * replaces them. A row written again after the mutation was made is in a part the mutation does not
     * touch, and its newest version is no longer a delete, so none of its versions goes. The subquery
     * reads the table as each replica has it, hence the setting (each removes only deleted rows).
     */
    public static String purgeDeleted(ClickHouseDestinationLayout layout, String table, List<String> sortingColumns) {
        String key = sortingColumns.stream().map(ClickHouseSql::quoteIdent).collect(java.util.stream.Collectors.joining(", "));
        String from = qualified(layout.database(), table);
        return "ALTER TABLE " + from + layout.onCluster() + " DELETE WHERE (" + key + ") IN (SELECT " + key + " FROM " + from
                + " WHERE (" + key + ") IN (SELECT " + key + " FROM " + from + " WHERE " + quoteIdent(IS_DELETED) + " = 1)"
                + " GROUP BY " + key + " HAVING argMax(" + quoteIdent(IS_DELETED) + ", " + quoteIdent(VERSION) + ") = 1)"
                + " SETTINGS allow_nondeterministic_mutations = 1";
    }

    /** Rewrites the parts of {@code table} that hold rows a lightweight DELETE (a TRUNCATE's) only hid. */
    public static String applyDeletedMask(ClickHouseDestinationLayout layout, String table) {
        return "ALTER TABLE " + qualified(layout.database(), table) + layout.onCluster() + " APPLY DELETED MASK";
    }

    /** Deletes the rows of {@code table} read under snapshots older than {@code version}; changes stay. */
    public static String deleteSnapshotsBefore(ClickHouseDestinationLayout layout, String table, long version) {
        return "DELETE FROM " + qualified(layout.database(), table) + layout.onCluster() + " WHERE "
                + quoteIdent(VERSION) + " < " + version;
    }

    /** Adds the columns of {@code schema} that {@code before} did not have: to the table, then its Distributed table. */
    public static List<String> addColumns(ClickHouseDestinationLayout layout, TableSchema before, TableSchema schema) {
        java.util.Map<String, ExistingColumn> existing = new java.util.HashMap<>();
        before.columns().forEach(c -> existing.put(c.name(), new ExistingColumn(ClickHouseTypes.of(c), c.position())));
        return reconcile(layout, schema, existing, false).statements();
    }

    private static boolean sameType(String a, String b) {
        return a.replace(" ", "").equals(b.replace(" ", ""));
    }

    /**
     * Drops a table and its Distributed table. A replicated table's ZooKeeper path is released when the
     * server removes the table's data (after database_atomic_delay_before_drop_table_sec): fine for
     * tables whose path is their own ({uuid}, a resync copy's suffix, a Replicated database's).
     */
    public static List<String> dropTable(ClickHouseDestinationLayout layout, String table) {
        return dropTable(layout, table, "");
    }

    /**
     * Drops a table that may be created again under the same name at once (a deleted pipe's, a failed
     * setup's): where the path is made from the name alone ({database}/{table}, no {uuid}), with SYNC,
     * so that the path is free when the statement returns.
     */
    public static List<String> dropTableReleasingPath(ClickHouseDestinationLayout layout, String table) {
        boolean pathFromName = layout.replicated() && !layout.replicatedDatabase() && !layout.pathHasUuid();
        return dropTable(layout, table, pathFromName ? " SYNC" : "");
    }

    private static List<String> dropTable(ClickHouseDestinationLayout layout, String table, String sync) {
        List<String> statements = new ArrayList<>();
        if (layout.distributed()) {
            statements.add("DROP TABLE IF EXISTS " + qualified(layout.database(),
                    ClickHouseDestinationLayout.distributedName(table)) + layout.onCluster());
        }
        statements.add("DROP TABLE IF EXISTS " + qualified(layout.database(), table) + layout.onCluster() + sync);
        return statements;
    }

    /** Swaps two tables' names atomically (on every host of the cluster, or every replica of a Replicated database). */
    public static String exchangeTables(ClickHouseDestinationLayout layout, String a, String b) {
        return "EXCHANGE TABLES " + qualified(layout.database(), a) + " AND " + qualified(layout.database(), b)
                + layout.onCluster();
    }

    /** Columns an insert names: the source columns, version and delete flag; _synced_at is the server's. */
    public static List<String> insertColumns(TableSchema table) {
        List<String> names = new ArrayList<>(table.columnNames());
        names.add(VERSION);
        names.add(IS_DELETED);
        return names;
    }
}
