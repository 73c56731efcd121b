package dev.ferry.operators.postgres.setup;

import dev.ferry.operators.postgres.PostgresSql;
import dev.ferry.state.schema.ColumnSchema;
import dev.ferry.state.schema.ColumnType.Kind;
import dev.ferry.state.schema.ColumnType;

/**
 * Maps a Postgres column to Ferry's column model, and says how the initial load selects it.
 *
 * <table>
 *   <caption>Postgres type to Ferry kind (ClickHouse type in ClickHouseTypes)</caption>
 *   <tr><td>bool</td><td>BOOL</td></tr>
 *   <tr><td>int2, int4, int8, oid</td><td>INT16, INT32, INT64, UINT32</td></tr>
 *   <tr><td>float4, float8</td><td>FLOAT32, FLOAT64 (NaN and infinities kept)</td></tr>
 *   <tr><td>numeric(p,s), p &le; 76</td><td>DECIMAL(p,s); NaN and infinities become NULL, so the column is nullable</td></tr>
 *   <tr><td>numeric without precision, numeric(p,s) beyond Decimal's range</td><td>STRING, the exact decimal text</td></tr>
 *   <tr><td>money</td><td>STRING, the amount as a plain decimal without trailing zeros (12.5)</td></tr>
 *   <tr><td>text, varchar, char(n) (padded), name, citext</td><td>STRING</td></tr>
 *   <tr><td>bytea</td><td>BYTES</td></tr>
 *   <tr><td>date</td><td>DATE; timestamp: TIMESTAMP; timestamptz: TIMESTAMPTZ (microseconds)</td></tr>
 *   <tr><td>time</td><td>STRING as Postgres prints it (HH:MM:SS[.ffffff])</td></tr>
 *   <tr><td>timetz</td><td>STRING in UTC as Postgres prints it (HH:MM:SS[.ffffff]+00): the stream carries it in UTC</td></tr>
 *   <tr><td>interval</td><td>STRING in ISO 8601 (P1Y2M3DT4H5M6S)</td></tr>
 *   <tr><td>uuid</td><td>UUID; json, jsonb: JSON (text)</td></tr>
 *   <tr><td>enum types</td><td>ENUM (the label)</td></tr>
 *   <tr><td>arrays of bool, integers, floats, text types, uuid</td><td>ARRAY of the element kind; elements
 *       nullable; multi-dimensional values flattened; a NULL array lands as an empty one</td></tr>
 *   <tr><td>other arrays</td><td>ARRAY of STRING, each element in Postgres' text form</td></tr>
 *   <tr><td>inet, cidr, macaddr, xml, bit, geometric, ranges, anything else</td><td>STRING, Postgres' text form</td></tr>
 * </table>
 *
 * Domains map as their base type.
 */
public final class PostgresTypeMapping {
    private PostgresTypeMapping() {}

    /** What the catalog says about a column (domains already resolved to their base type). */
    public record PgColumn(
            String name,
            String typeName,
            char typeType,
            int typeMod,
            String elementTypeName,
            char elementTypeType,
            boolean notNull) {}

    /** A column of the pipe and the SQL expression that reads it in the initial load. */
    public record MappedColumn(ColumnSchema column, String selectExpression) {}

    public static MappedColumn map(PgColumn c) {
        String quoted = PostgresSql.quoteIdent(c.name());
        String declared = c.elementTypeName() != null ? c.elementTypeName() + "[]" : c.typeName();
        if (c.elementTypeName() != null) {
            // Read in the array's text form, as the change stream receives it, and parsed by the same code.
            ColumnType element = scalar(c.elementTypeName(), c.elementTypeType(), -1);
            boolean typed = element != null && arrayElementKeepsItsKind(c.elementTypeName());
            ColumnType type = ColumnType.arrayOf(typed ? element : ColumnType.of(Kind.STRING));
            return new MappedColumn(new ColumnSchema(c.name(), type, !c.notNull(), declared), quoted + "::text");
        }
        ColumnType type = scalar(c.typeName(), c.typeType(), c.typeMod());
        if (type == null) {
            // Read as is: JDBC receives these in text form, the type's own output (which is what the
            // change stream carries; a ::text cast can differ, e.g. inet '::1' becomes '::1/128').
            return new MappedColumn(new ColumnSchema(c.name(), ColumnType.of(Kind.STRING), !c.notNull(), declared), quoted);
        }
        boolean nullable = !c.notNull() || type.kind() == Kind.DECIMAL;
        String expr = readsNatively(type, c.typeName()) ? quoted : quoted + "::text";
        if (c.typeName().equals("money")) {
            expr = "trim_scale(" + quoted + "::numeric)::text";
        }
        return new MappedColumn(new ColumnSchema(c.name(), type, nullable, declared), expr);
    }

    /** The kind for a scalar type, or null when Postgres' text form is kept as a string. */
    static ColumnType scalar(String typeName, char typeType, int typeMod) {
        if (typeType == 'e') {
            return ColumnType.of(Kind.ENUM);
        }
        return switch (typeName) {
            case "bool" -> ColumnType.of(Kind.BOOL);
            case "int2" -> ColumnType.of(Kind.INT16);
            case "int4" -> ColumnType.of(Kind.INT32);
            case "int8" -> ColumnType.of(Kind.INT64);
            case "oid" -> ColumnType.of(Kind.UINT32);
            case "float4" -> ColumnType.of(Kind.FLOAT32);
            case "float8" -> ColumnType.of(Kind.FLOAT64);
            case "numeric" -> numeric(typeMod);
            case "text", "varchar", "bpchar", "name", "citext", "char", "money", "time", "timetz", "interval" ->
                    ColumnType.of(Kind.STRING);
            case "bytea" -> ColumnType.of(Kind.BYTES);
            case "date" -> ColumnType.of(Kind.DATE);
            case "timestamp" -> ColumnType.of(Kind.TIMESTAMP);
            case "timestamptz" -> ColumnType.of(Kind.TIMESTAMPTZ);
            case "uuid" -> ColumnType.of(Kind.UUID);
            case "json", "jsonb" -> ColumnType.of(Kind.JSON);
            default -> null;
        };
    }

    /**
     * numeric(p,s) as Decimal when ClickHouse can hold it exactly; Postgres 15 also allows a
     * negative scale or one above the precision, which widen the decimal.
     */
    static ColumnType numeric(int typeMod) {
        if (typeMod < 4) {
            return ColumnType.of(Kind.STRING);
        }
        int precision = ((typeMod - 4) >> 16) & 0xffff;
        int scale = (typeMod - 4) & 0x7ff;
        if ((scale & 0x400) != 0) {
            scale |= ~0x7ff; // sign-extend the 11-bit scale
        }
        int digits = scale < 0 ? precision - scale : Math.max(precision, scale);
        int clickHouseScale = Math.max(scale, 0);
        if (digits > 76) {
            return ColumnType.of(Kind.STRING);
        }
        return ColumnType.decimal(digits, clickHouseScale);
    }

    /** Array elements that keep their kind; the others are kept as their text form. */
    private static boolean arrayElementKeepsItsKind(String elementTypeName) {
        return switch (elementTypeName) {
            case "bool", "int2", "int4", "int8", "float4", "float8", "text", "varchar", "bpchar", "uuid" -> true;
            default -> false;
        };
    }

    /**
     * Whether the reader takes the value from JDBC as is; otherwise it selects {@code ::text}.
     * Strings that are not text in Postgres (time, interval, enums...) are cast so the text is Postgres' own.
     */
    private static boolean readsNatively(ColumnType type, String typeName) {
        return switch (type.kind()) {
            case STRING -> typeName.equals("text") || typeName.equals("varchar") || typeName.equals("bpchar")
                    || typeName.equals("name") || typeName.equals("char");
            case ENUM, JSON -> false;
            default -> true;
        };
    }
}
