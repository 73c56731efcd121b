package dev.ferry.operators.clickhouse;

import static dev.ferry.operators.clickhouse.ClickHouseSql.quoteLiteral;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.GenericRecord;
import dev.ferry.state.schema.TableSchema;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Whether a destination table that exists already (made by the user, or by an earlier Setup) can
 * take a pipe's rows: a ReplacingMergeTree versioned by {@code _version} with {@code _is_deleted},
 * sorted by (at least) the source's key, with a {@code _version UInt64} and an {@code _is_deleted
 * UInt8} column, and source columns of the types Ferry writes (missing ones are added when the pipe
 * starts, like columns added at the source; other columns of the table keep their defaults).
 */
public final class ClickHouseExistingTable {
    private ClickHouseExistingTable() {}

    /** The type of {@code column} of {@code database.table}; empty when either does not exist. */
    public static Optional<String> columnType(Client client, String database, String table, String column) {
        List<GenericRecord> found = client.queryAll("SELECT type FROM system.columns WHERE database = {db:String}"
                + " AND table = {t:String} AND name = {c:String}", Map.of("db", database, "t", table, "c", column));
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0).getString(1));
    }

    /**
     * What keeps {@code table} (its destination schema) from being written to the existing table, in one
     * message; empty when nothing.
     *
     * @param columns whether to check the columns' types too: for a new pipe; a pipe's own table whose
     *     source column was retyped since is copied again, which a check would stop
     */
    public static List<String> problems(Client client, ClickHouseDestinationLayout layout, TableSchema table,
            boolean columns) {
        String where = "ClickHouse table " + layout.database() + "." + table.target();
        List<String> problems = new ArrayList<>();
        var described = ClickHouseConnections.queryAll(client, "SELECT engine, engine_full FROM system.tables WHERE database = "
                + quoteLiteral(layout.database()) + " AND name = " + quoteLiteral(table.target()));
        if (described.isEmpty()) {
            return problems;
        }
        String engine = described.get(0).getString(1);
        String engineFull = described.get(0).getString(2);
        String arguments = engineFull.contains("(") ? engineFull.substring(engineFull.indexOf('('), engineFull.indexOf(')') + 1) : "";
        if (!engine.endsWith("ReplacingMergeTree") || !arguments.contains(ClickHouseTableDdl.VERSION)
                || !arguments.contains(ClickHouseTableDdl.IS_DELETED)) {
            problems.add("its engine is " + engine + arguments + ", not ReplacingMergeTree(_version, _is_deleted)");
        }
        Map<String, ClickHouseTableDdl.ExistingColumn> existing = new HashMap<>();
        Set<String> sorting = new HashSet<>();
        for (var r : ClickHouseConnections.queryAll(client, "SELECT name, type, comment, is_in_sorting_key FROM system.columns"
                + " WHERE database = " + quoteLiteral(layout.database()) + " AND table = " + quoteLiteral(table.target()))) {
            existing.put(r.getString(1), ClickHouseTableDdl.ExistingColumn.of(r.getString(2), r.getString(3), false));
            if (r.getBoolean(4)) {
                sorting.add(r.getString(1));
            }
        }
        for (Map.Entry<String, String> meta : Map.of(ClickHouseTableDdl.VERSION, "UInt64", ClickHouseTableDdl.IS_DELETED,
                "UInt8").entrySet()) {
            ClickHouseTableDdl.ExistingColumn c = existing.get(meta.getKey());
            if (c == null || !c.type().equals(meta.getValue())) {
                problems.add("it needs a column " + meta.getKey() + " " + meta.getValue()
                        + (c == null ? "" : " (it is " + c.type() + ")"));
            }
        }
        List<String> unsorted = table.key().stream().filter(k -> !sorting.contains(k)).toList();
        if (!unsorted.isEmpty()) {
            problems.add("its sorting key lacks key column" + (unsorted.size() > 1 ? "s " : " ") + String.join(", ", unsorted));
        }
        if (columns) {
            problems.addAll(ClickHouseTableDdl.reconcile(layout, table, existing, false).problems());
        }
        return problems.isEmpty() ? problems
                : List.of(table.sourceId() + ": " + where + " exists, but " + String.join("; ", problems)
                        + ": drop it or make it so, or give the table another target");
    }
}
