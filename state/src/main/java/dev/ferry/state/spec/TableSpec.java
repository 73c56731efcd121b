package dev.ferry.state.spec;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * One table (Postgres) or collection (MongoDB) of a pipe and the ClickHouse table it lands in.
 * {@code schema} is null for MongoDB collections. {@code excludedColumns} are source names (folded
 * for Postgres) that never reach the destination ({@link TableOptions#EXCLUDE_COLUMNS}); {@code destination}
 * how the destination table is made beyond its columns.
 */
public record TableSpec(String schema, String name, String target, List<String> excludedColumns,
        DestinationTable destination) implements Serializable {

    public TableSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(target, "target");
        // null when read from a checkpoint written before the option existed
        excludedColumns = excludedColumns == null ? List.of() : List.copyOf(excludedColumns);
        destination = destination == null ? DestinationTable.DEFAULT : destination;
    }

    public TableSpec(String schema, String name, String target) {
        this(schema, name, target, List.of(), DestinationTable.DEFAULT);
    }

    /** The source-side identity, e.g. {@code public.orders}, or the collection name. */
    public String sourceId() {
        return schema == null ? name : schema + "." + name;
    }

    /** Whether the destination leaves this source column (or top-level field) out. */
    public boolean excludes(String column) {
        return excludedColumns.contains(column);
    }

    /** Default ClickHouse name: the table name, prefixed by its schema unless that is {@code public}. */
    public static String defaultTarget(String schema, String name) {
        return schema == null || schema.equals("public") ? name : schema + "_" + name;
    }

    @Override
    public String toString() {
        return sourceId() + " -> " + target + (excludedColumns.isEmpty() ? "" : " without " + excludedColumns) + destination;
    }
}
