package dev.ferry.state.spec;

import java.io.Serializable;
import java.util.Objects;

/**
 * One table (Postgres) or collection (MongoDB) of a pipe and the ClickHouse table it lands in.
 * {@code schema} is null for MongoDB collections.
 */
public record TableSpec(String schema, String name, String target) implements Serializable {

    public TableSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(target, "target");
    }

    /** The source-side identity, e.g. {@code public.orders}, or the collection name. */
    public String sourceId() {
        return schema == null ? name : schema + "." + name;
    }

    /** Default ClickHouse name: the table name, prefixed by its schema unless that is {@code public}. */
    public static String defaultTarget(String schema, String name) {
        return schema == null || schema.equals("public") ? name : schema + "_" + name;
    }

    @Override
    public String toString() {
        return sourceId() + " -> " + target;
    }
}
