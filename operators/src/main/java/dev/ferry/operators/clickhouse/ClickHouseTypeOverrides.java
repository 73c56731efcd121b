package dev.ferry.operators.clickhouse;

import dev.ferry.state.schema.ColumnSchema;
import dev.ferry.state.schema.ColumnType;
import dev.ferry.state.schema.ColumnType.Kind;
import dev.ferry.state.schema.TableSchema;
import dev.ferry.state.spec.DestinationTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code column_types}: the ClickHouse types a spec chooses for some columns instead of the mapped
 * ones, as a table schema whose columns have those types. Rows keep the source's representation;
 * {@link RowBinaryEncoder} writes it as the chosen type, under the rules it reports as adjustments
 * (decimals rounded half up, beyond the precision NULL; JSON values that are not objects NULL).
 * Only conversions that keep every value or follow such a stated rule are offered: the chosen type
 * is checked against the source column's. With {@code allow_nullable_columns: false} no column is
 * Nullable, and NULL is written as the type's default.
 */
public final class ClickHouseTypeOverrides {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ClickHouseTypeOverrides.class);
    private static final Pattern DECIMAL = Pattern.compile("Decimal\\(\\s*(\\d+)\\s*,\\s*(\\d+)\\s*\\)");
    private static final Pattern DATETIME64 = Pattern.compile("DateTime64\\(\\s*(\\d)\\s*(,\\s*'UTC'\\s*)?\\)");
    private static final String OFFERED = "LowCardinality(String), Decimal(P, S), DateTime64(P), DateTime64(P, 'UTC'), JSON";
    private static final Set<Kind> TO_DECIMAL = Set.of(Kind.DECIMAL, Kind.INT16, Kind.INT32, Kind.INT64, Kind.UINT32);

    private ClickHouseTypeOverrides() {}

    /**
     * Whether every type {@code destination} chooses fits {@code table}, as Setup requires.
     *
     * @throws IllegalArgumentException naming the column, when a type is not offered, does not fit
     *     the source column, or would change a sorting column
     */
    public static void check(TableSchema table, DestinationTable destination) {
        apply(table, destination, problem -> {
            throw new IllegalArgumentException(problem);
        });
    }

    /**
     * {@code table} with the types {@code destination} chooses; the same schema when it chooses none.
     * Applying it to its own result changes nothing. A choice that no longer fits (the source column
     * was retyped, renamed or dropped since Setup) gives way to the mapped type, with a warning: the
     * values stay exact, and a retyped column is copied again anyway.
     */
    public static TableSchema apply(TableSchema table, DestinationTable destination) {
        return apply(table, destination, problem -> LOG.warn("{}; the column keeps its mapped type", problem));
    }

    private static TableSchema apply(TableSchema table, DestinationTable destination,
            java.util.function.Consumer<String> misfit) {
        if (destination.columnTypes().isEmpty() && !destination.nonNullable() && destination.numericType() == null
                && destination.jsonType() != DestinationTable.JsonType.JSON) {
            return table;
        }
        List<String> sorting = destination.sortingColumns(table.key());
        List<ColumnSchema> columns = new ArrayList<>(table.columns());
        for (Map.Entry<String, String> e : tableWide(table, destination, sorting).entrySet()) {
            int at = table.indexOf(e.getKey());
            if (at < 0) {
                misfit.accept(table.sourceId() + ": column_types names " + e.getKey() + ", which is not a column it"
                        + " replicates");
            } else if (sorting.contains(e.getKey())) {
                misfit.accept(table.sourceId() + ": column_types cannot change " + e.getKey() + ", a column of its"
                        + " sorting key");
            } else {
                try {
                    columns.set(at, apply(table.sourceId(), columns.get(at), e.getValue()));
                } catch (IllegalArgumentException problem) {
                    misfit.accept(problem.getMessage());
                }
            }
        }
        if (destination.nonNullable()) {
            // a dropped column keeps the type it has in ClickHouse
            columns.replaceAll(c -> c.nullable() && !c.dropped() ? with(c, c.type(), false) : c);
        }
        return table.withColumns(columns);
    }

    /**
     * {@code column_types} with what {@code json_type: json} and {@code numeric_type} choose for the
     * columns it does not name: json and jsonb columns, and numeric columns the mapping keeps as text.
     * Sorting columns keep their mapped type; dropped ones the type they have in ClickHouse.
     */
    private static Map<String, String> tableWide(TableSchema table, DestinationTable destination, List<String> sorting) {
        Map<String, String> types = new java.util.LinkedHashMap<>(destination.columnTypes());
        for (ColumnSchema c : table.columns()) {
            if (types.containsKey(c.name()) || sorting.contains(c.name()) || c.dropped()) {
                continue;
            }
            if (destination.jsonType() == DestinationTable.JsonType.JSON && c.type().kind() == Kind.JSON
                    && !c.type().isJsonObject()) {
                types.put(c.name(), "JSON");
            } else if (destination.numericType() != null && c.type().kind() == Kind.STRING
                    && c.sourceType().equals("numeric")) {
                types.put(c.name(), destination.numericType());
            }
        }
        return types;
    }

    private static ColumnSchema apply(String table, ColumnSchema c, String type) {
        ColumnType from = c.type();
        String misfit = table + ": column_types gives " + c.name() + " (" + c.sourceType() + ") the type " + type + ", ";
        Matcher decimal = DECIMAL.matcher(type);
        Matcher datetime = DATETIME64.matcher(type);
        if (type.equals("LowCardinality(String)") || type.equals("LowCardinality(Nullable(String))")) {
            if (from.kind() != Kind.STRING && from.kind() != Kind.ENUM && !(from.kind() == Kind.JSON && !from.isJsonObject())) {
                throw new IllegalArgumentException(misfit + "which takes text columns");
            }
            return with(c, ColumnType.of(Kind.ENUM), c.nullable());
        }
        if (decimal.matches()) {
            int precision = Integer.parseInt(decimal.group(1));
            int scale = Integer.parseInt(decimal.group(2));
            if (precision < 1 || precision > 76 || scale > precision) {
                throw new IllegalArgumentException(misfit + "but Decimal(P, S) needs 1 <= P <= 76 and S <= P");
            }
            boolean unboundedNumeric = from.kind() == Kind.STRING && c.sourceType().equals("numeric");
            if (!TO_DECIMAL.contains(from.kind()) && !unboundedNumeric) {
                throw new IllegalArgumentException(misfit + "which takes numeric and integer columns");
            }
            // NULL holds what the precision cannot (and NaN, infinities)
            return new ColumnSchema(c.name(), ColumnType.decimal(precision, scale), true, c.sourceType(), c.dropped(),
                    decimal(c.missing(), precision, scale), c.position());
        }
        if (datetime.matches()) {
            Kind kind = datetime.group(2) == null ? Kind.TIMESTAMP : Kind.TIMESTAMPTZ;
            if (from.kind() != kind) {
                throw new IllegalArgumentException(misfit + "which takes " + (kind == Kind.TIMESTAMP
                        ? "timestamp (without time zone) columns; DateTime64(P, 'UTC') takes timestamptz"
                        : "timestamptz columns; DateTime64(P) takes timestamp (without time zone)"));
            }
            return with(c, ColumnType.timestamp(kind, Integer.parseInt(datetime.group(1))), c.nullable());
        }
        if (type.equals("JSON")) {
            if (from.kind() != Kind.JSON) {
                throw new IllegalArgumentException(misfit + "which takes json and jsonb columns");
            }
            return with(c, ColumnType.jsonObject(), c.nullable());
        }
        throw new IllegalArgumentException(misfit + "which column_types does not offer (it offers " + OFFERED + ")");
    }

    /** A fast default as the Decimal column holds it (as {@link RowBinaryEncoder} writes values). */
    private static Object decimal(Object missing, int precision, int scale) {
        java.math.BigDecimal exact = missing instanceof java.math.BigDecimal d ? d
                : missing instanceof Long l ? java.math.BigDecimal.valueOf(l)
                : missing instanceof String s && s.matches("-?\\d+(\\.\\d+)?") ? new java.math.BigDecimal(s) : null;
        if (exact == null) {
            return null;
        }
        java.math.BigDecimal rounded = exact.setScale(scale, java.math.RoundingMode.HALF_UP);
        return rounded.precision() - rounded.scale() > precision - scale ? null : rounded;
    }

    private static ColumnSchema with(ColumnSchema c, ColumnType type, boolean nullable) {
        return new ColumnSchema(c.name(), type, nullable, c.sourceType(), c.dropped(), c.missing(), c.position());
    }
}
