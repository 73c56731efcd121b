package dev.ferry.operators.clickhouse;

import dev.ferry.state.schema.ColumnSchema;
import dev.ferry.state.schema.ColumnType;
import dev.ferry.state.schema.TableSchema;
import java.util.Map;

/**
 * ClickHouse column types for Ferry's column kinds. Dates and timestamps use the wide types
 * (Date32, DateTime64) whose range is 1900-01-01 .. 2299-12-31; values beyond it are clamped to
 * the nearest end (see {@link RowBinaryEncoder}).
 */
public final class ClickHouseTypes {
    /** What inserting JSON text into a JSON column takes; a server lacking either cannot hold JSON objects. */
    public static final Map<String, String> JSON_OBJECT_SETTINGS =
            Map.of("input_format_binary_read_json_as_string", "1", "json_type_escape_dots_in_keys", "1");

    private ClickHouseTypes() {}

    public static String of(ColumnSchema column) {
        return of(column.type(), column.nullable());
    }

    /**
     * Whether the ClickHouse column is Nullable. Arrays cannot be: a NULL array is written as an
     * empty one.
     */
    public static boolean nullable(ColumnSchema column) {
        return column.nullable() && column.type().kind() != ColumnType.Kind.ARRAY;
    }

    /**
     * Settings an insert needs for a table's column types. A JSON object column is sent as its JSON
     * text in RowBinary (the server parses it), with dots in keys kept as part of the key: a MongoDB
     * field {@code "a.b"} stays apart from {@code {"a": {"b": ...}}} instead of failing the insert.
     */
    public static Map<String, String> insertSettings(TableSchema table) {
        for (ColumnSchema c : table.columns()) {
            if (c.type().isJsonObject()) {
                return JSON_OBJECT_SETTINGS;
            }
        }
        return Map.of();
    }

    public static String of(ColumnType type, boolean nullable) {
        if (type.kind() == ColumnType.Kind.ARRAY) {
            return "Array(" + of(type.element(), true) + ")"; // Postgres array elements may be NULL
        }
        if (type.kind() == ColumnType.Kind.ENUM) {
            return nullable ? "LowCardinality(Nullable(String))" : "LowCardinality(String)";
        }
        String base = switch (type.kind()) {
            case BOOL -> "Bool";
            case INT16 -> "Int16";
            case INT32 -> "Int32";
            case INT64 -> "Int64";
            case UINT32 -> "UInt32";
            case FLOAT32 -> "Float32";
            case FLOAT64 -> "Float64";
            case DECIMAL -> "Decimal(" + type.precision() + ", " + type.scale() + ")";
            case STRING, BYTES -> "String";
            case JSON -> type.isJsonObject() ? "JSON" : "String";
            case DATE -> "Date32";
            case TIMESTAMP -> "DateTime64(" + type.precision() + ")";
            case TIMESTAMPTZ -> "DateTime64(" + type.precision() + ", 'UTC')";
            case UUID -> "UUID";
            case ENUM, ARRAY -> throw new AssertionError(type);
        };
        return nullable ? "Nullable(" + base + ")" : base;
    }
}
