package dev.ferry.state.spec;

import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/** Parsed values of one spec section; anything not set reads as the option's default. */
public final class OptionValues implements Serializable {
    private static final long serialVersionUID = 1L;

    private final Map<String, Serializable> values;

    OptionValues(Map<String, Serializable> values) {
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /** No value set: every option reads as its default (build others with {@link #with}). */
    public static OptionValues empty() {
        return new OptionValues(Map.of());
    }

    @SuppressWarnings("unchecked")
    public <T extends Serializable> T get(PipeOption<T> option) {
        Serializable v = values.get(option.key());
        return v == null ? option.defaultValue() : (T) v;
    }

    public boolean isSet(PipeOption<?> option) {
        return values.containsKey(option.key());
    }

    /** A copy with one value replaced, validated by the option's parser. */
    public OptionValues with(PipeOption<?> option, Object raw) {
        Map<String, Serializable> copy = new LinkedHashMap<>(values);
        copy.put(option.key(), option.parse(raw));
        return new OptionValues(copy);
    }

    /** Explicitly set values, as YAML-ready plain values (secrets included: never print this). */
    public Map<String, Serializable> asMap() {
        return values;
    }

    /** Renders the values of the given options, secrets masked. */
    public String describe(List<? extends PipeOption<?>> options) {
        StringJoiner out = new StringJoiner(", ");
        for (PipeOption<?> o : options) {
            Object v = get(o);
            if (v != null) {
                out.add(o.key() + "=" + (o.secret() ? "***" : v));
            }
        }
        return out.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OptionValues other && values.equals(other.values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return "OptionValues(" + values.keySet() + ")";
    }
}
