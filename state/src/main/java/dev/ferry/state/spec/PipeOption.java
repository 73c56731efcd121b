package dev.ferry.state.spec;

import java.io.Serializable;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * One declared option of a pipe spec: its YAML key, default, description and validation.
 * Every option is declared once (in {@link SourceOptions}, {@link DestinationOptions} or
 * {@link PipeSettings}) and read everywhere through {@link OptionValues#get(PipeOption)}.
 */
public final class PipeOption<T extends Serializable> implements Serializable {
    private static final long serialVersionUID = 1L;

    /** When a value may change after the pipe is created (ClickPipes fixes snapshot settings). */
    public enum Editability {
        FIXED_AT_CREATION,
        EDITABLE_WHILE_PAUSED
    }

    /** Parses a YAML scalar (already a Java String, Integer, Boolean...) into the option's type. */
    @FunctionalInterface
    interface Parser<T> extends Serializable {
        /** Returns the value, or throws IllegalArgumentException with a message naming what is expected. */
        T parse(Object raw);
    }

    private final String key;
    private final T defaultValue;
    private final String description;
    private final Parser<T> parser;
    private final boolean secret;
    private final Editability editability;

    private PipeOption(
            String key, T defaultValue, String description, Parser<T> parser, boolean secret, Editability editability) {
        this.key = key;
        this.defaultValue = defaultValue;
        this.description = description;
        this.parser = parser;
        this.secret = secret;
        this.editability = editability;
    }

    public String key() {
        return key;
    }

    /** The default, or null when the option is required or has no default. */
    public T defaultValue() {
        return defaultValue;
    }

    public String description() {
        return description;
    }

    /** Secrets are never printed (status output, logs, toString). */
    public boolean secret() {
        return secret;
    }

    public Editability editability() {
        return editability;
    }

    T parse(Object raw) {
        return parser.parse(raw);
    }

    /** A copy whose value may be changed while the pipe is paused. */
    PipeOption<T> editableWhilePaused() {
        return new PipeOption<>(key, defaultValue, description, parser, secret, Editability.EDITABLE_WHILE_PAUSED);
    }

    PipeOption<T> asSecret() {
        return new PipeOption<>(key, defaultValue, description, parser, true, editability);
    }

    static PipeOption<Integer> intOption(String key, Integer defaultValue, int min, int max, String description) {
        return new PipeOption<>(key, defaultValue, description, raw -> {
            long v = toLong(raw);
            if (v < min || v > max) {
                throw new IllegalArgumentException(
                        "must be between " + min + " and " + max + " (got " + raw + ")");
            }
            return (int) v;
        }, false, Editability.FIXED_AT_CREATION);
    }

    static PipeOption<Long> longOption(String key, Long defaultValue, long min, long max, String description) {
        return new PipeOption<>(key, defaultValue, description, raw -> {
            long v = toLong(raw);
            if (v < min || v > max) {
                throw new IllegalArgumentException(
                        "must be between " + min + " and " + max + " (got " + raw + ")");
            }
            return v;
        }, false, Editability.FIXED_AT_CREATION);
    }

    static PipeOption<String> stringOption(String key, String defaultValue, String description) {
        return new PipeOption<>(key, defaultValue, description, raw -> {
            if (raw instanceof String s) {
                return s;
            }
            if (raw instanceof Number || raw instanceof Boolean) {
                return String.valueOf(raw);
            }
            throw new IllegalArgumentException("must be a string");
        }, false, Editability.FIXED_AT_CREATION);
    }

    /** A string that must match a pattern, e.g. identifiers that end up in SQL. */
    static PipeOption<String> patternOption(
            String key, String defaultValue, String regex, String expected, String description) {
        return new PipeOption<>(key, defaultValue, description, raw -> {
            String s = raw == null ? "" : String.valueOf(raw);
            if (!s.matches(regex)) {
                throw new IllegalArgumentException("must be " + expected + " (got '" + s + "')");
            }
            return s;
        }, false, Editability.FIXED_AT_CREATION);
    }

    static PipeOption<Boolean> boolOption(String key, Boolean defaultValue, String description) {
        return new PipeOption<>(key, defaultValue, description, raw -> {
            if (raw instanceof Boolean b) {
                return b;
            }
            if (raw instanceof String s && (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false"))) {
                return Boolean.parseBoolean(s);
            }
            throw new IllegalArgumentException("must be true or false (got " + raw + ")");
        }, false, Editability.FIXED_AT_CREATION);
    }

    /** A list of names (a single name is a list of one); blank or repeated names are refused. */
    static PipeOption<TableOptions.Names> namesOption(String key, TableOptions.Names defaultValue, String description) {
        return new PipeOption<>(key, defaultValue, description, raw -> {
            List<?> items = raw instanceof List<?> l ? l : java.util.Collections.singletonList(raw);
            List<String> names = new java.util.ArrayList<>();
            for (Object item : items) {
                if (!(item instanceof String s) || s.isBlank()) {
                    throw new IllegalArgumentException("must be a list of names (got " + item + ")");
                }
                if (names.contains(s)) {
                    throw new IllegalArgumentException(s + " is listed twice");
                }
                names.add(s);
            }
            return new TableOptions.Names(names);
        }, false, Editability.FIXED_AT_CREATION);
    }

    /** A map of column names to ClickHouse type texts, e.g. {@code {amount: 'Decimal(18, 2)'}}. */
    static PipeOption<TableOptions.ColumnTypes> columnTypesOption(String key, TableOptions.ColumnTypes defaultValue,
            String description) {
        return new PipeOption<>(key, defaultValue, description, raw -> {
            if (!(raw instanceof java.util.Map<?, ?> map)) {
                throw new IllegalArgumentException("must be a map of column names to ClickHouse types (got " + raw + ")");
            }
            java.util.Map<String, String> types = new java.util.LinkedHashMap<>();
            for (java.util.Map.Entry<?, ?> e : map.entrySet()) {
                if (!(e.getValue() instanceof String type) || type.isBlank()) {
                    throw new IllegalArgumentException(e.getKey() + " must name a ClickHouse type (got " + e.getValue() + ")");
                }
                types.put(String.valueOf(e.getKey()), type.trim());
            }
            return new TableOptions.ColumnTypes(types);
        }, false, Editability.FIXED_AT_CREATION);
    }

    /** Enum values are written in YAML in lower case, e.g. {@code replication_mode: cdc_only}. */
    static <E extends Enum<E>> PipeOption<E> enumOption(
            String key, E defaultValue, Class<E> type, String description) {
        List<String> names = java.util.Arrays.stream(type.getEnumConstants())
                .map(e -> e.name().toLowerCase(Locale.ROOT))
                .toList();
        Function<String, E> lookup = s -> Enum.valueOf(type, s.toUpperCase(Locale.ROOT));
        return new PipeOption<>(key, defaultValue, description, raw -> {
            String s = raw == null ? "" : String.valueOf(raw).trim();
            if (!names.contains(s.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("must be one of " + names + " (got '" + s + "')");
            }
            return lookup.apply(s);
        }, false, Editability.FIXED_AT_CREATION);
    }

    private static long toLong(Object raw) {
        if (raw instanceof Integer || raw instanceof Long || raw instanceof Short) {
            return ((Number) raw).longValue();
        }
        if (raw instanceof String s) {
            try {
                return Long.parseLong(s.trim().replace("_", ""));
            } catch (NumberFormatException e) {
                // fall through to the common message
            }
        }
        throw new IllegalArgumentException("must be a whole number (got " + raw + ")");
    }

    @Override
    public String toString() {
        return key;
    }
}
