package dev.ferry.state.schema;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A replicated table's shape: source identity, destination table, columns in source order, and the
 * key the destination is ordered by. When the source has no primary key, {@code key} is empty and
 * the destination keys rows by their position instead (see the Postgres setup for the rule).
 */
public record TableSchema(String sourceId, String target, List<ColumnSchema> columns, List<String> key)
        implements Serializable {

    public TableSchema {
        Objects.requireNonNull(sourceId, "sourceId");
        Objects.requireNonNull(target, "target");
        columns = List.copyOf(columns);
        key = List.copyOf(key);
        for (String k : key) {
            if (columns.stream().noneMatch(c -> c.name().equals(k))) {
                throw new IllegalArgumentException("key column " + k + " is not a column of " + sourceId);
            }
        }
    }

    public int indexOf(String column) {
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).name().equals(column)) {
                return i;
            }
        }
        return -1;
    }

    public List<String> columnNames() {
        List<String> names = new ArrayList<>(columns.size());
        columns.forEach(c -> names.add(c.name()));
        return names;
    }

    public TableSchema withColumns(List<ColumnSchema> newColumns) {
        return new TableSchema(sourceId, target, newColumns, key);
    }

    public TableSchema withTarget(String newTarget) {
        return new TableSchema(sourceId, newTarget, columns, key);
    }
}
