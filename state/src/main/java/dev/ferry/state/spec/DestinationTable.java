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
        Deletes deletes, java.util.Map<String, String> columnTypes, JsonType jsonType, String numericType,
        DecimalOutOfRange decimalOutOfRange, boolean nonNullable) implements Serializable {
    public static final DestinationTable DEFAULT = new DestinationTable(List.of(), List.of(), null, null, Deletes.SOFT,
            java.util.Map.of(), JsonType.STRING, null, DecimalOutOfRange.WRITE_NULL, false);

    /** The ClickHouse type of json and jsonb columns that {@code column_types} does not name. */
    public enum JsonType {
        /** The JSON text, as a String. */
        STRING,
        /** ClickHouse's JSON type (objects; other values are NULL). */
        JSON,
        /** JSON where the ClickHouse server can hold JSON objects (and an existing table has them), else text. */
        AUTO
    }

    /** What a value a Decimal column cannot hold (beyond its precision, NaN, infinities) becomes. */
    public enum DecimalOutOfRange {
        /** NULL (or 0 in a column that is not Nullable), counted and logged as an adjusted value. */
        WRITE_NULL,
        /** Nothing: the pipe stops (Failed), naming the value and the column. */
        FAIL
    }

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
        jsonType = jsonType == null ? JsonType.STRING : jsonType;
        decimalOutOfRange = decimalOutOfRange == null ? DecimalOutOfRange.WRITE_NULL : decimalOutOfRange;
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
        return new DestinationTable(orderBy, primaryKey, partitionBy, currentView, deletes, columnTypes, jsonType,
                numericType, decimalOutOfRange, true);
    }

    /** The same, with json columns of type {@code json} ({@link JsonType#AUTO} decided). */
    public DestinationTable withJsonType(JsonType json) {
        return new DestinationTable(orderBy, primaryKey, partitionBy, currentView, deletes, columnTypes, json,
                numericType, decimalOutOfRange, nonNullable);
    }

    /** Whether both make the same ClickHouse table (keys, partitions, types): the view and the value rules aside. */
    public boolean makesSameTable(DestinationTable other) {
        return orderBy.equals(other.orderBy) && primaryKey.equals(other.primaryKey)
                && java.util.Objects.equals(partitionBy, other.partitionBy) && columnTypes.equals(other.columnTypes)
                && jsonType == other.jsonType && java.util.Objects.equals(numericType, other.numericType)
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
        if (jsonType != JsonType.STRING) {
            out.append(" json as ").append(jsonType.name().toLowerCase(java.util.Locale.ROOT));
        }
        if (numericType != null) {
            out.append(" numeric as ").append(numericType);
        }
        if (decimalOutOfRange != DecimalOutOfRange.WRITE_NULL) {
            out.append(" failing on decimals out of range");
        }
        return out.toString();
    }
}
