package dev.ferry.state.spec;

import java.io.Serializable;
import java.util.List;

/**
 * Options of one entry of {@code tables:}, written beside {@code source} and {@code target}:
 * {@code - {source: public.users, exclude_columns: [email, phone]}}.
 */
public final class TableOptions {
    private TableOptions() {}

    /** Names as written in the spec; a Postgres pipe folds them by SQL identifier rules. */
    public record Names(List<String> names) implements Serializable {
        public Names {
            names = List.copyOf(names);
        }
    }

    public static final PipeOption<Names> EXCLUDE_COLUMNS = PipeOption.namesOption(
            "exclude_columns", new Names(List.of()),
            "Columns (MongoDB: top-level fields) left out of the destination table: the initial load does"
                    + " not select them and changes lose them as they are decoded. Not key columns.");

    public static final PipeOption<Names> ORDER_BY = PipeOption.namesOption(
            "order_by", new Names(List.of()),
            "Sorting key of the ClickHouse table (columns, in order); default: the source's key. It must hold"
                    + " the key columns; other columns need the table's REPLICA IDENTITY FULL, so that a change"
                    + " of them removes the row's old version.");

    public static final PipeOption<Names> PRIMARY_KEY = PipeOption.namesOption(
            "primary_key", new Names(List.of()),
            "Primary key (index) of the ClickHouse table where it differs from order_by: a prefix of it.");

    public static final PipeOption<String> PARTITION_BY = PipeOption.stringOption(
            "partition_by", null,
            "Partition key of the ClickHouse table, a ClickHouse expression over order_by columns, e.g."
                    + " toYYYYMM(created_at); default: none.");

    public static final PipeOption<String> CURRENT_VIEW = PipeOption.patternOption(
            "current_view", null, "[A-Za-z_][A-Za-z0-9_]{0,199}", "a ClickHouse table name ([A-Za-z_][A-Za-z0-9_]*)",
            "A view of the same database with the table's current rows (FINAL, deleted ones left out), e.g."
                    + " orders_current; made again whenever the table's columns change. Default: none.");

    public static final PipeOption<DestinationTable.Deletes> DELETES = PipeOption.enumOption(
            "deletes", DestinationTable.Deletes.SOFT, DestinationTable.Deletes.class,
            "What a delete (or TRUNCATE) at the source does: soft marks the row deleted (_is_deleted = 1);"
                    + " hard does so, then removes the row's every version from the table's parts once the pipe is"
                    + " Running (every hard_delete_interval_seconds); ignore keeps the row as last seen, for audit.");

    public static final PipeOption<DestinationTable.JsonType> JSON_TYPE = PipeOption.enumOption(
            "json_type", DestinationTable.JsonType.STRING, DestinationTable.JsonType.class,
            "ClickHouse type of the json and jsonb columns column_types does not name: string (the JSON text),"
                    + " json (ClickHouse's JSON type; values that are not objects become NULL), or auto (json where"
                    + " the server can hold JSON objects, string where it cannot or the table already has them as text).");

    public static final PipeOption<String> NUMERIC_TYPE = PipeOption.patternOption(
            "numeric_type", null, "Decimal\\(\\s*\\d{1,2}\\s*,\\s*\\d{1,2}\\s*\\)", "Decimal(P, S)",
            "ClickHouse type of the numeric columns without a precision (and beyond Decimal's) that column_types"
                    + " does not name, e.g. Decimal(38, 10); values follow decimal_out_of_range. Default: the exact"
                    + " decimal text, as a String.");

    public static final PipeOption<DestinationTable.DecimalOutOfRange> DECIMAL_OUT_OF_RANGE = PipeOption.enumOption(
            "decimal_out_of_range", DestinationTable.DecimalOutOfRange.WRITE_NULL, DestinationTable.DecimalOutOfRange.class,
            "A value a Decimal column cannot hold (more digits than its precision, NaN, infinities): write_null writes"
                    + " NULL and counts it in valuesAdjusted; fail stops the pipe, naming the value and the column.");

    /** Column names to ClickHouse types, as written in the spec. */
    public record ColumnTypes(java.util.Map<String, String> types) implements Serializable {
        public ColumnTypes {
            types = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(types));
        }
    }

    public static final PipeOption<ColumnTypes> COLUMN_TYPES = PipeOption.columnTypesOption(
            "column_types", new ColumnTypes(java.util.Map.of()),
            "ClickHouse types for some columns instead of the mapped ones: LowCardinality(String) for text,"
                    + " Decimal(P, S) for numeric and integers (rounded half up; values beyond P digits become"
                    + " NULL), DateTime64(P) / DateTime64(P, 'UTC') for timestamps (truncated to P digits), JSON"
                    + " for json and jsonb (values that are not objects become NULL). Not sorting columns.");

    /** The option with this YAML key, if there is one. */
    public static java.util.Optional<PipeOption<?>> find(String key) {
        return ALL.stream().filter(o -> o.key().equals(key)).findFirst();
    }

    public static final List<PipeOption<?>> ALL = List.of(EXCLUDE_COLUMNS, ORDER_BY, PRIMARY_KEY, PARTITION_BY, CURRENT_VIEW, DELETES,
            COLUMN_TYPES, JSON_TYPE, NUMERIC_TYPE, DECIMAL_OUT_OF_RANGE);
}
