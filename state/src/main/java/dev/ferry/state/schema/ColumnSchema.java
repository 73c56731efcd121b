package dev.ferry.state.schema;

import java.io.Serializable;
import java.util.Objects;

/**
 * One column: its source name (also the destination name), Ferry type, nullability, and the
 * source's own type name (kept for messages and documentation of the mapping).
 */
public record ColumnSchema(String name, ColumnType type, boolean nullable, String sourceType) implements Serializable {
    public ColumnSchema {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(sourceType, "sourceType");
    }
}
