package dev.ferry.state.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads a pipe spec from YAML and validates it, collecting every problem before failing.
 *
 * <pre>
 * name: shop
 * source: {type: postgres, host: 127.0.0.1, port: 5432, database: shop, user: ferry, password: ${PGPASSWORD}}
 * destination: {url: http://127.0.0.1:8123, database: shop}
 * tables: [public.orders, {source: 'public."Line Items"', target: line_items}]
 * settings: {replication_mode: snapshot, initial_load_parallelism: 4}
 * </pre>
 *
 * {@code ${NAME}} in a value is replaced by the environment variable NAME, so secrets can stay out of
 * the file. Unquoted Postgres identifiers fold to lower case, as in SQL.
 */
public final class PipeSpecParser {
    private static final Pattern PIPE_NAME = Pattern.compile("[a-z][a-z0-9_]{0,39}");
    private static final Pattern ENV_REF = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");
    private static final Set<String> TOP_LEVEL = Set.of("name", "source", "destination", "tables", "settings");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final Map<String, String> env;
    private final List<String> problems = new ArrayList<>();

    private PipeSpecParser(Map<String, String> env) {
        this.env = env;
    }

    /** Parses and validates; throws {@link PipeSpecException} listing every problem found. */
    public static PipeSpec parse(String yaml, Map<String, String> env) {
        return new PipeSpecParser(env).read(yaml);
    }

    private PipeSpec read(String yaml) {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            throw new PipeSpecException(List.of("not valid YAML: " + e.getOriginalMessage()
                    + (e.getLocation() != null ? " at line " + e.getLocation().getLineNr() : "")));
        }
        if (root == null || !root.isObject()) {
            throw new PipeSpecException(List.of("the spec must be a YAML mapping with name, source, destination, tables"));
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!TOP_LEVEL.contains(key)) {
                problems.add(key + ": unknown field (expected one of " + new java.util.TreeSet<>(TOP_LEVEL) + ")");
            }
        }
        String name = text(root.get("name"), "name");
        if (name == null) {
            problems.add("name: required");
        } else if (!PIPE_NAME.matcher(name).matches()) {
            problems.add("name: must be lower case letters, digits or _, starting with a letter, at most 40 (got '"
                    + name + "')");
        }
        OptionValues source = section(root, "source", SourceOptions.ALL);
        SourceKind kind = source.get(SourceOptions.TYPE);
        if (kind == null && root.has("source")) {
            problems.add("source.type: required (postgres or mongodb)");
        }
        if (kind != null) {
            for (PipeOption<?> required : kind.required()) {
                if (!present(root, "source", required)) {
                    problems.add("source." + required.key() + ": required for " + kind.name().toLowerCase(Locale.ROOT));
                }
            }
        }
        OptionValues destination = section(root, "destination", DestinationOptions.ALL);
        for (PipeOption<?> required : List.of(DestinationOptions.URL, DestinationOptions.DATABASE)) {
            if (root.has("destination") && !present(root, "destination", required)) {
                problems.add("destination." + required.key() + ": required");
            }
        }
        List<TableSpec> tables = tables(root.get("tables"), kind);
        OptionValues settings = section(root, "settings", PipeSettings.ALL);
        if (!problems.isEmpty()) {
            throw new PipeSpecException(problems);
        }
        if (!settings.get(PipeSettings.ALLOW_NULLABLE_COLUMNS)) {
            // pipe-wide, but it shapes each table as its own options do
            tables = tables.stream().map(t -> new TableSpec(t.schema(), t.name(), t.target(), t.excludedColumns(),
                    t.destination().asNonNullable())).toList();
        }
        return new PipeSpec(name, source, destination, tables, settings);
    }

    /** Present in the file (a present but invalid value is reported by its own problem). */
    private static boolean present(JsonNode root, String section, PipeOption<?> option) {
        JsonNode node = root.path(section).get(option.key());
        return node != null && !node.isNull();
    }

    private OptionValues section(JsonNode root, String sectionName, List<PipeOption<?>> options) {
        JsonNode node = root.get(sectionName);
        Map<String, Serializable> values = new LinkedHashMap<>();
        if (node == null || node.isNull()) {
            if (!sectionName.equals("settings")) {
                problems.add(sectionName + ": required");
            }
            return new OptionValues(values);
        }
        if (!node.isObject()) {
            problems.add(sectionName + ": must be a mapping");
            return new OptionValues(values);
        }
        Map<String, PipeOption<?>> byKey = new LinkedHashMap<>();
        options.forEach(o -> byKey.put(o.key(), o));
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String path = sectionName + "." + field.getKey();
            PipeOption<?> option = byKey.get(field.getKey());
            if (option == null) {
                problems.add(path + ": unknown option (known: " + String.join(", ", byKey.keySet()) + ")");
                continue;
            }
            Object raw = scalar(field.getValue(), path);
            if (raw == null) {
                continue;
            }
            try {
                values.put(option.key(), option.parse(raw));
            } catch (IllegalArgumentException e) {
                problems.add(path + ": " + e.getMessage());
            }
        }
        return new OptionValues(values);
    }

    private List<TableSpec> tables(JsonNode node, SourceKind kind) {
        List<TableSpec> tables = new ArrayList<>();
        if (node == null || !node.isArray() || node.isEmpty()) {
            problems.add("tables: required, a non-empty list");
            return tables;
        }
        Set<String> seenSources = new HashSet<>();
        Set<String> seenTargets = new HashSet<>();
        for (int i = 0; i < node.size(); i++) {
            String path = "tables[" + i + "]";
            JsonNode entry = node.get(i);
            String sourceText;
            String target = null;
            List<String> excluded = List.of();
            DestinationTable destination = DestinationTable.DEFAULT;
            if (entry.isObject()) {
                for (Iterator<String> it = entry.fieldNames(); it.hasNext(); ) {
                    String key = it.next();
                    if (!key.equals("source") && !key.equals("target") && TableOptions.find(key).isEmpty()) {
                        problems.add(path + "." + key + ": unknown field (expected source, target, "
                                + TableOptions.ALL.stream().map(PipeOption::key).collect(Collectors.joining(", ")) + ")");
                    }
                }
                sourceText = text(entry.get("source"), path + ".source");
                target = text(entry.get("target"), path + ".target");
                excluded = columnNames(TableOptions.EXCLUDE_COLUMNS, entry, kind, path);
                if (kind == SourceKind.MONGODB) {
                    for (String field : excluded) {
                        if (field.equals("_id") || field.contains(".") || field.startsWith("$")) {
                            problems.add(path + "." + TableOptions.EXCLUDE_COLUMNS.key() + ": " + field
                                    + " is not a top-level field other than _id");
                        }
                    }
                }
                destination = destinationTable(entry, kind, path);
            } else {
                sourceText = text(entry, path);
            }
            if (sourceText == null || sourceText.isBlank()) {
                problems.add(path + ": a table name is required");
                continue;
            }
            TableSpec table;
            try {
                table = kind == SourceKind.MONGODB
                        ? new TableSpec(null, sourceText, target != null ? target : sourceText.replace('.', '_'))
                        : postgresTable(sourceText, target);
                table = new TableSpec(table.schema(), table.name(), table.target(), excluded, destination);
            } catch (IllegalArgumentException e) {
                problems.add(path + ": " + e.getMessage());
                continue;
            }
            if (table.target().isBlank() || table.target().length() > 200) {
                problems.add(path + ".target: must be 1 to 200 characters");
            }
            if (!seenSources.add(table.sourceId())) {
                problems.add(path + ": " + table.sourceId() + " is listed twice");
            }
            if (!seenTargets.add(table.target())) {
                problems.add(path + ": target table " + table.target() + " is used twice");
            }
            String view = table.destination().currentView();
            if (view != null && !seenTargets.add(view)) {
                problems.add(path + "." + TableOptions.CURRENT_VIEW.key() + ": " + view + " is already a table of the pipe");
            }
            tables.add(table);
        }
        return tables;
    }

    /**
     * An entry's ClickHouse table options. The primary key must be a prefix of the sorting key;
     * whether the columns exist and hold the source's key is checked against the table at Setup.
     */
    private DestinationTable destinationTable(JsonNode entry, SourceKind kind, String path) {
        List<String> orderBy = columnNames(TableOptions.ORDER_BY, entry, kind, path);
        List<String> primaryKey = columnNames(TableOptions.PRIMARY_KEY, entry, kind, path);
        String partitionBy = null;
        JsonNode partition = entry.get(TableOptions.PARTITION_BY.key());
        if (partition != null) {
            try {
                partitionBy = TableOptions.PARTITION_BY.parse(scalar(partition, path + "." + TableOptions.PARTITION_BY.key()));
                if (partitionBy == null || partitionBy.isBlank()) {
                    throw new IllegalArgumentException("must be a ClickHouse expression, e.g. toYYYYMM(created_at)");
                }
            } catch (IllegalArgumentException e) {
                problems.add(path + "." + TableOptions.PARTITION_BY.key() + ": " + e.getMessage());
            }
        }
        if (kind == SourceKind.MONGODB && (!orderBy.isEmpty() || !primaryKey.isEmpty())) {
            problems.add(path + ": order_by and primary_key are for Postgres tables (a MongoDB collection's ClickHouse"
                    + " table is sorted by _id, which its partition_by may use)");
        }
        if (!primaryKey.isEmpty() && !orderBy.isEmpty()
                && (primaryKey.size() > orderBy.size() || !orderBy.subList(0, primaryKey.size()).equals(primaryKey))) {
            problems.add(path + "." + TableOptions.PRIMARY_KEY.key() + ": " + primaryKey + " must be a prefix of order_by "
                    + orderBy);
        }
        String view = option(TableOptions.CURRENT_VIEW, entry, path);
        DestinationTable.Deletes deletes = option(TableOptions.DELETES, entry, path);
        if (kind == SourceKind.MONGODB && (entry.has(TableOptions.JSON_TYPE.key()) || entry.has(TableOptions.NUMERIC_TYPE.key())
                || entry.has(TableOptions.DECIMAL_OUT_OF_RANGE.key()))) {
            problems.add(path + ": json_type, numeric_type and decimal_out_of_range are for Postgres tables (a MongoDB"
                    + " collection lands as _id and doc, whose type destination.doc_column_type chooses)");
        }
        return new DestinationTable(orderBy, primaryKey, partitionBy, view, deletes, columnTypes(entry, kind, path),
                option(TableOptions.JSON_TYPE, entry, path), option(TableOptions.NUMERIC_TYPE, entry, path),
                option(TableOptions.DECIMAL_OUT_OF_RANGE, entry, path), false);
    }

    /** An entry's {@code column_types}, with Postgres column names folded; the types are checked at Setup. */
    private java.util.Map<String, String> columnTypes(JsonNode entry, SourceKind kind, String entryPath) {
        String path = entryPath + "." + TableOptions.COLUMN_TYPES.key();
        JsonNode node = entry.get(TableOptions.COLUMN_TYPES.key());
        if (node == null) {
            return java.util.Map.of();
        }
        if (kind == SourceKind.MONGODB) {
            problems.add(path + ": is for Postgres tables (a MongoDB collection lands as _id and doc)");
            return java.util.Map.of();
        }
        java.util.Map<String, Object> raw = new java.util.LinkedHashMap<>();
        if (node.isObject()) {
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String column = it.next();
                raw.put(column, scalar(node.get(column), path + "." + column));
            }
        }
        java.util.Map<String, String> types;
        try {
            types = TableOptions.COLUMN_TYPES.parse(node.isObject() ? raw : scalar(node, path)).types();
        } catch (IllegalArgumentException e) {
            problems.add(path + ": " + e.getMessage());
            return java.util.Map.of();
        }
        java.util.Map<String, String> folded = new java.util.LinkedHashMap<>();
        types.forEach((column, type) -> {
            try {
                String name = columnName(column);
                if (folded.put(name, type) != null) {
                    throw new IllegalArgumentException(name + " is listed twice");
                }
            } catch (IllegalArgumentException e) {
                problems.add(path + ": " + e.getMessage());
            }
        });
        return folded;
    }

    /** A scalar option of an entry, or its default when absent or invalid (then a problem says why). */
    private <T extends java.io.Serializable> T option(PipeOption<T> option, JsonNode entry, String path) {
        JsonNode node = entry.get(option.key());
        if (node == null) {
            return option.defaultValue();
        }
        try {
            return option.parse(scalar(node, path + "." + option.key()));
        } catch (IllegalArgumentException e) {
            problems.add(path + "." + option.key() + ": " + e.getMessage());
            return option.defaultValue();
        }
    }

    /** A names option of an entry: Postgres names fold like identifiers in SQL, MongoDB fields stay as written. */
    private List<String> columnNames(PipeOption<TableOptions.Names> option, JsonNode entry, SourceKind kind,
            String entryPath) {
        JsonNode node = entry.get(option.key());
        String path = entryPath + "." + option.key();
        if (node == null) {
            return List.of();
        }
        Object raw;
        if (node.isArray()) {
            List<Object> items = new ArrayList<>();
            for (int i = 0; i < node.size(); i++) {
                items.add(scalar(node.get(i), path + "[" + i + "]"));
            }
            raw = items;
        } else {
            raw = scalar(node, path);
        }
        List<String> names;
        try {
            names = option.parse(raw).names();
        } catch (IllegalArgumentException e) {
            problems.add(path + ": " + e.getMessage());
            return List.of();
        }
        if (kind == SourceKind.MONGODB) {
            return names;
        }
        List<String> folded = new ArrayList<>();
        for (String name : names) {
            try {
                String column = columnName(name);
                if (folded.contains(column)) {
                    throw new IllegalArgumentException(column + " is listed twice");
                }
                folded.add(column);
            } catch (IllegalArgumentException e) {
                problems.add(path + ": " + e.getMessage());
            }
        }
        return folded;
    }

    /** A Postgres column name as written in a spec, folded like an identifier in SQL. */
    private static String columnName(String written) {
        List<String> parts = PostgresIdentifiers.split(written);
        if (parts.size() != 1) {
            throw new IllegalArgumentException("'" + written + "' is not a column name (quote names with dots)");
        }
        return parts.get(0);
    }

    /** The source id a table name on a command line means ({@code Public.Orders} is {@code public.orders}). */
    public static String sourceId(String text, SourceKind kind) {
        return kind == SourceKind.MONGODB ? text : postgresTable(text, null).sourceId();
    }

    /** Parses {@code schema.table} with SQL identifier rules; the schema defaults to public. */
    static TableSpec postgresTable(String text, String target) {
        List<String> parts = PostgresIdentifiers.split(text);
        if (parts.size() > 2) {
            throw new IllegalArgumentException("'" + text + "' is not schema.table");
        }
        String schema = parts.size() == 2 ? parts.get(0) : "public";
        String name = parts.get(parts.size() - 1);
        return new TableSpec(schema, name, target != null ? target : TableSpec.defaultTarget(schema, name));
    }

    /** A YAML scalar as Java value, with ${ENV} references resolved in strings. */
    private Object scalar(JsonNode node, String path) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isContainerNode()) {
            problems.add(path + ": must be a single value");
            return null;
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isIntegralNumber()) {
            return node.canConvertToLong() ? (Object) node.longValue() : node.asText();
        }
        if (node.isNumber()) {
            return node.asText();
        }
        return resolveEnv(node.asText(), path);
    }

    private String text(JsonNode node, String path) {
        Object v = scalar(node, path);
        return v == null ? null : String.valueOf(v);
    }

    private String resolveEnv(String value, String path) {
        Matcher m = ENV_REF.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String resolved = env.get(m.group(1));
            if (resolved == null) {
                problems.add(path + ": environment variable " + m.group(1) + " is not set");
                resolved = "";
            }
            m.appendReplacement(out, Matcher.quoteReplacement(resolved));
        }
        m.appendTail(out);
        return out.toString();
    }
}
