package dev.ferry.state.spec;

import java.io.Serializable;
import java.util.List;

/**
 * How a table's ClickHouse table is made beyond its columns, as its spec entry sets it: sorted by
 * {@link TableOptions#ORDER_BY} with {@link TableOptions#PRIMARY_KEY}, partitioned by
 * {@link TableOptions#PARTITION_BY} (column names as the source has them, Postgres names folded; the
 * partition a ClickHouse expression), read through the view {@link TableOptions#CURRENT_VIEW}, with
 * deletes at the source applied as {@link TableOptions#DELETES} says, and columns whose ClickHouse
 * type {@link TableOptions#COLUMN_TYPES} chooses (column to type as written); {@code nonNullable}
 * when the pipe sets {@link PipeSettings#ALLOW_NULLABLE_COLUMNS} false. Empty lists and maps, nulls
 * and false mean the defaults: sorted by the source's key, no partitions, no view, types as mapped.
 */
public record DestinationTable(List<String> orderBy, List<String> primaryKey, String partitionBy, String currentView,
        Deletes deletes, java.util.Map<String, String> columnTypes, boolean nonNullable) implements Serializable {
    public static final DestinationTable DEFAULT = new DestinationTable(List.of(), List.of(), null, null, Deletes.SOFT,
            java.util.Map.of(), false);

    /** What a delete at the source does to the ClickHouse table. */
    public enum Deletes {
        /** A row version marked {@code _is_deleted = 1}: gone from {@code FINAL WHERE _is_deleted = 0}. */
        SOFT,
        /**
         * As {@link #SOFT}, and every {@link PipeSettings#HARD_DELETE_INTERVAL_SECONDS} the deleted rows
         * (every version of them) leave the table's parts for good.
         */
        HARD,
        /** Nothing: rows deleted (or truncated) at the source stay, as last seen, for audit. */
        IGNORE
    }

    public DestinationTable {
        orderBy = List.copyOf(orderBy);
        primaryKey = List.copyOf(primaryKey);
        deletes = deletes == null ? Deletes.SOFT : deletes;
        columnTypes = columnTypes == null ? java.util.Map.of() : java.util.Collections.unmodifiableMap(
                new java.util.LinkedHashMap<>(columnTypes));
    }

    /** The sorting columns: {@code orderBy}, or the source's {@code key} when it is not set. */
    public List<String> sortingColumns(List<String> key) {
        return orderBy.isEmpty() ? key : orderBy;
    }

    /** The sorting columns beyond the source's key, whose old values a change must carry. */
    public List<String> sortedBeyond(List<String> key) {
        return orderBy.stream().filter(c -> !key.contains(c)).toList();
    }

    /** The same, with no Nullable column in ClickHouse. */
    public DestinationTable asNonNullable() {
        return new DestinationTable(orderBy, primaryKey, partitionBy, currentView, deletes, columnTypes, true);
    }

    /** Whether both make the same ClickHouse table (keys, partitions, types): the view and deletes aside. */
    public boolean makesSameTable(DestinationTable other) {
        return orderBy.equals(other.orderBy) && primaryKey.equals(other.primaryKey)
                && java.util.Objects.equals(partitionBy, other.partitionBy) && columnTypes.equals(other.columnTypes)
                && nonNullable == other.nonNullable;
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder();
        if (!orderBy.isEmpty()) {
            out.append(" order by ").append(orderBy);
        }
        if (!primaryKey.isEmpty()) {
            out.append(" primary key ").append(primaryKey);
        }
        if (partitionBy != null) {
            out.append(" partition by ").append(partitionBy);
        }
        if (currentView != null) {
            out.append(" viewed as ").append(currentView);
        }
        if (!columnTypes.isEmpty()) {
            out.append(" with types ").append(columnTypes);
        }
        if (deletes != Deletes.SOFT) {
            out.append(" deletes ").append(deletes.name().toLowerCase(java.util.Locale.ROOT));
        }
        return out.toString();
    }
}
