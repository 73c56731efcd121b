package dev.ferry.state.schema;

import java.io.Serializable;
import java.util.Objects;

/**
 * One column: its source name (also the destination name), Ferry type, nullability, the source's
 * own type name (kept for messages and the mapping), and whether the source has dropped it (the
 * destination keeps a dropped column; new rows hold NULL or the type's default there).
 */
public record ColumnSchema(String name, ColumnType type, boolean nullable, String sourceType, boolean dropped)
        implements Serializable {
    public ColumnSchema {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(sourceType, "sourceType");
    }

    public ColumnSchema(String name, ColumnType type, boolean nullable, String sourceType) {
        this(name, type, nullable, sourceType, false);
    }

    public ColumnSchema asDropped() {
        return new ColumnSchema(name, type, nullable, sourceType, true);
    }
}
