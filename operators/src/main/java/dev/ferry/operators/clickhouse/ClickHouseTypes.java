package dev.ferry.operators.clickhouse;

import com.clickhouse.client.api.Client;
import dev.ferry.state.schema.ColumnSchema;
import dev.ferry.state.schema.ColumnType;
import dev.ferry.state.schema.TableSchema;
import dev.ferry.state.spec.DestinationTable;
import java.util.List;
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

    /** Whether the server can take JSON text into a JSON column: it has the JSON type on and both settings. */
    public static boolean supportsJsonObjects(Client client) {
        String names = String.join(", ", JSON_OBJECT_SETTINGS.keySet().stream().map(ClickHouseSql::quoteLiteral).toList());
        if (client.queryAll("SELECT count() FROM system.settings WHERE name IN (" + names + ")").get(0).getLong(1)
                < JSON_OBJECT_SETTINGS.size()) {
            return false;
        }
        try {
            client.queryAll("SELECT CAST('{}' AS JSON)"); // refused where JSON is still experimental and off
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * {@code destination} with {@code json_type: auto} decided for its table {@code target}: as the table
     * has its json columns if it exists (JSON if it has a JSON column), else JSON where the server can
     * hold JSON objects. Setup and every writer decide the same, so a server upgraded under an existing
     * pipe does not change its tables.
     */
    public static DestinationTable decideJson(Client client, String database, String target,
            DestinationTable destination) {
        if (destination.jsonType() != DestinationTable.JsonType.AUTO) {
            return destination;
        }
        List<String> types = client.queryAll("SELECT type FROM system.columns WHERE database = "
                + ClickHouseSql.quoteLiteral(database) + " AND table = " + ClickHouseSql.quoteLiteral(target)).stream()
                .map(r -> r.getString(1)).toList();
        boolean json = types.isEmpty() ? supportsJsonObjects(client) : types.stream().anyMatch(t -> t.contains("JSON"));
        return destination.withJsonType(json ? DestinationTable.JsonType.JSON : DestinationTable.JsonType.STRING);
    }

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
