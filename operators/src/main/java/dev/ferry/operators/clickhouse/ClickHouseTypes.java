package dev.ferry.operators.clickhouse;

import dev.ferry.state.schema.ColumnSchema;
import dev.ferry.state.schema.ColumnType;

/**
 * ClickHouse column types for Ferry's column kinds. Dates and timestamps use the wide types
 * (Date32, DateTime64) whose range is 1900-01-01 .. 2299-12-31; values beyond it are clamped to
 * the nearest end (see {@link RowBinaryEncoder}).
 */
public final class ClickHouseTypes {
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
            case STRING, JSON, BYTES -> "String";
            case DATE -> "Date32";
            case TIMESTAMP -> "DateTime64(6)";
            case TIMESTAMPTZ -> "DateTime64(6, 'UTC')";
            case UUID -> "UUID";
            case ENUM, ARRAY -> throw new AssertionError(type);
        };
        return nullable ? "Nullable(" + base + ")" : base;
    }
}
