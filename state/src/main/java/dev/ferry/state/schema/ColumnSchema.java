package dev.ferry.state.schema;

import java.io.Serializable;
import java.util.Objects;

/**
 * One column: its source name (also the destination name), Ferry type, nullability, the source's
 * own type name (kept for messages and the mapping), whether the source has dropped it (the
 * destination keeps a dropped column; new rows hold NULL or the type's default there), and the
 * value that rows stored before the column was added read ({@code missing}, in the type's canonical
 * representation; null for NULL): Postgres' fast default of {@code ADD COLUMN ... DEFAULT}.
 * {@code position} is the source's own number for the column (Postgres' attnum), which a rename
 * keeps; 0 when the source has none.
 */
public record ColumnSchema(String name, ColumnType type, boolean nullable, String sourceType, boolean dropped,
        Object missing, int position) implements Serializable {
    public ColumnSchema {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(sourceType, "sourceType");
    }

    public ColumnSchema(String name, ColumnType type, boolean nullable, String sourceType) {
        this(name, type, nullable, sourceType, false, null, 0);
    }

    public ColumnSchema asDropped() {
        return new ColumnSchema(name, type, nullable, sourceType, true, missing, position);
    }

    public ColumnSchema asNullable() {
        return new ColumnSchema(name, type, true, sourceType, dropped, missing, position);
    }

    /** The same column as a sorting-key column: never Nullable, of {@code keyType}. */
    public ColumnSchema asKey(ColumnType keyType) {
        return new ColumnSchema(name, keyType, false, sourceType, dropped, missing, position);
    }

    public ColumnSchema withMissing(Object value) {
        return new ColumnSchema(name, type, nullable, sourceType, dropped, value, position);
    }

    public ColumnSchema withPosition(int sourcePosition) {
        return new ColumnSchema(name, type, nullable, sourceType, dropped, missing, sourcePosition);
    }

    /** Equal values compare equal, arrays and bytes included. */
    @Override
    public boolean equals(Object o) {
        return o instanceof ColumnSchema c && name.equals(c.name) && type.equals(c.type) && nullable == c.nullable
                && sourceType.equals(c.sourceType) && dropped == c.dropped && Objects.deepEquals(missing, c.missing)
                && position == c.position;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, type, nullable, sourceType, dropped);
    }
}
