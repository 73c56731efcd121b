package dev.ferry.deploy.k8s;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** One Kubernetes object from a YAML file (a file may hold several, separated by {@code ---}). */
record Manifest(Path file, int document, ObjectNode node) {

    /** YAML as kubectl reads it, but stricter: a key given twice is an error, not "last one wins". */
    static final ObjectMapper YAML = new ObjectMapper(
            new YAMLFactory().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION));

    String apiVersion() {
        return node.path("apiVersion").asText("");
    }

    String kind() {
        return node.path("kind").asText("");
    }

    String name() {
        return node.path("metadata").path("name").asText("");
    }

    /** {@code session/flink-session.yaml (FlinkDeployment ferry-session)}, for messages. */
    String where() {
        Path shown = file.getParent() == null ? file : file.getParent().getFileName().resolve(file.getFileName());
        return shown + (document > 0 ? " #" + (document + 1) : "") + " (" + kind() + " " + name() + ")";
    }

    Manifest withNode(ObjectNode replacement) {
        return new Manifest(file, document, replacement);
    }

    /** Every object in every *.yaml / *.yml file of {@code dir} (not recursive), in file-name order. */
    static List<Manifest> loadDirectory(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            List<Manifest> all = new ArrayList<>();
            for (Path file : files.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
                    .sorted().toList()) {
                all.addAll(load(file, Files.readString(file)));
            }
            return all;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses YAML text; throws {@link IllegalArgumentException} naming the file on bad YAML. */
    static List<Manifest> load(Path file, String yaml) {
        List<Manifest> out = new ArrayList<>();
        try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(yaml)) {
            int index = 0;
            while (docs.hasNextValue()) {
                JsonNode doc = docs.nextValue();
                if (doc == null || doc.isNull() || doc.isMissingNode()) {
                    index++;
                    continue;
                }
                if (!doc.isObject()) {
                    throw new IllegalArgumentException(file + " document " + (index + 1) + ": not a YAML mapping");
                }
                out.add(new Manifest(file, index++, (ObjectNode) doc));
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof IllegalArgumentException iae && iae.getMessage() != null
                    && iae.getMessage().startsWith(file.toString())) {
                throw iae;
            }
            throw new IllegalArgumentException(file + ": not valid YAML: " + e.getMessage(), e);
        }
        return out;
    }
}
