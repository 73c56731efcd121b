package dev.ferry.state.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A pipe spec as text, edited as YAML: what the catalog keeps, with {@code ${VAR}} references intact
 * (secrets stay out of it). Edits are validated by parsing the result; comments are not kept.
 */
public final class PipeSpecDocument {
    private static final Pattern ENV_REF = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

    private final String text;

    public PipeSpecDocument(String text) {
        this.text = text;
    }

    public String text() {
        return text;
    }

    /** The validated spec, references resolved from {@code env}. */
    public PipeSpec parse(Map<String, String> env) {
        return PipeSpecParser.parse(text, env);
    }

    /** The same spec with {@code settings.<key>} set; the key must be a setting editable now. */
    public PipeSpecDocument withSetting(PipeOption<?> option, String value) {
        ObjectNode root = tree();
        JsonNode settings = root.get("settings");
        ObjectNode s = settings instanceof ObjectNode o ? o : root.putObject("settings");
        s.put(option.key(), value);
        return new PipeSpecDocument(write(root));
    }

    /** The same spec with these tables in place of its list (entries as written: names or {source, target}). */
    public PipeSpecDocument withTables(List<JsonNode> tables) {
        ObjectNode root = tree();
        ArrayNode list = root.putArray("tables");
        tables.forEach(list::add);
        return new PipeSpecDocument(write(root));
    }

    /**
     * The same spec with options of table entry {@code index} set: each value is YAML
     * ({@code [a, b]}, {@code {amount: 'Decimal(18, 2)'}}, a name); an empty value removes the option.
     * A bare name entry becomes {@code {source: name}} first.
     */
    public PipeSpecDocument withTableOptions(int index, Map<String, String> options) {
        ObjectNode root = tree();
        ArrayNode tables = (ArrayNode) root.get("tables");
        JsonNode entry = tables.get(index);
        ObjectNode object = entry instanceof ObjectNode o ? o : YAML.createObjectNode().put("source", entry.asText());
        for (Map.Entry<String, String> option : options.entrySet()) {
            if (option.getValue() == null || option.getValue().isBlank()) {
                object.remove(option.getKey());
            } else {
                try {
                    JsonNode value = YAML.readTree(option.getValue());
                    object.set(option.getKey(), value == null ? TextNode.valueOf(option.getValue()) : value);
                } catch (JsonProcessingException e) {
                    throw new PipeSpecException(List.of(option.getKey() + ": not a YAML value (" + e.getOriginalMessage() + ")"));
                }
            }
        }
        tables.set(index, object);
        return new PipeSpecDocument(write(root));
    }

    /** The entries of {@code tables:} as written. */
    public List<JsonNode> tableEntries() {
        JsonNode tables = tree().get("tables");
        return tables == null ? List.of() : java.util.stream.StreamSupport.stream(tables.spliterator(), false).toList();
    }

    /** A table entry for a name given on a command line. */
    public static JsonNode tableEntry(String name) {
        return TextNode.valueOf(name);
    }

    /** The text with every {@code ${VAR}} replaced (properly quoted): what a job receives. */
    public String resolved(Map<String, String> env) {
        parse(env); // reports missing variables and any other problem first
        return write(resolve(tree(), env));
    }

    private static JsonNode resolve(JsonNode node, Map<String, String> env) {
        if (node instanceof ObjectNode o) {
            o.fields().forEachRemaining(e -> e.setValue(resolve(e.getValue(), env)));
            return o;
        }
        if (node instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                a.set(i, resolve(a.get(i), env));
            }
            return a;
        }
        if (node.isTextual()) {
            Matcher m = ENV_REF.matcher(node.asText());
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                m.appendReplacement(out, Matcher.quoteReplacement(env.getOrDefault(m.group(1), "")));
            }
            m.appendTail(out);
            return TextNode.valueOf(out.toString());
        }
        return node;
    }

    private ObjectNode tree() {
        try {
            return (ObjectNode) YAML.readTree(text);
        } catch (JsonProcessingException | ClassCastException e) {
            throw new PipeSpecException(List.of("not a YAML mapping: " + e.getMessage()));
        }
    }

    private static String write(JsonNode root) {
        try {
            return YAML.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
