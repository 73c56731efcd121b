package dev.ferry.deploy.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

/**
 * JSON schemas for the objects in the manifests, all from Maven artifacts, made strict the
 * way {@code kubectl apply} (server-side field validation, Strict by default) is: an unknown field is
 * an error, not silently dropped.
 *
 * <ul>
 *   <li>{@code FlinkDeployment}: the {@code openAPIV3Schema} of the CRD the Flink Kubernetes Operator
 *       installs, as shipped in {@code flink-kubernetes-operator-api}
 *       ({@code META-INF/fabric8/flinkdeployments.flink.apache.org-v1.yml}). Its pod templates carry
 *       the full Kubernetes Pod schema.</li>
 *   <li>Core objects (Service, PersistentVolumeClaim, ConfigMap, Secret): fabric8's
 *       {@code schema/validation-schema.json} in {@code kubernetes-model-core}, generated from the
 *       Kubernetes API types.</li>
 *   <li>{@code PodMonitor}: the same file in fabric8's {@code openshift-model-monitoring}
 *       (Prometheus Operator types).</li>
 * </ul>
 */
final class KubeSchemas {
    static final String FLINK_API_VERSION = "flink.apache.org/v1beta1";
    private static final String CRD_RESOURCE = "META-INF/fabric8/flinkdeployments.flink.apache.org-v1.yml";
    /** Kubernetes' resource.Quantity grammar (k8s.io/apimachinery/pkg/api/resource). */
    static final String QUANTITY_PATTERN =
            "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$";
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, JsonSchema> CACHE = new ConcurrentHashMap<>();

    /** Kind -> where its schema comes from: (class in the jar holding validation-schema.json, definition). */
    private static final Map<String, String[]> FABRIC8_KINDS = Map.of(
            "v1/Service", new String[] {"io.fabric8.kubernetes.api.model.Service", "kubernetes_core_Service"},
            "v1/PersistentVolumeClaim", new String[] {"io.fabric8.kubernetes.api.model.Service",
                    "kubernetes_core_PersistentVolumeClaim"},
            "v1/ConfigMap", new String[] {"io.fabric8.kubernetes.api.model.Service", "kubernetes_core_ConfigMap"},
            "v1/Secret", new String[] {"io.fabric8.kubernetes.api.model.Service", "kubernetes_core_Secret"},
            "monitoring.coreos.com/v1/PodMonitor", new String[] {
                    "io.fabric8.openshift.api.model.monitoring.v1.PodMonitor", "os_monitoring_v1_PodMonitor"});

    private KubeSchemas() {}

    /** Kinds this class has a schema for, as {@code apiVersion/kind}. */
    static boolean knows(String apiVersion, String kind) {
        return key(apiVersion, kind).equals(FLINK_API_VERSION + "/FlinkDeployment")
                || FABRIC8_KINDS.containsKey(key(apiVersion, kind));
    }

    /** Schema violations of one object, as {@code /json/pointer: message}; empty when it conforms. */
    static List<String> validate(JsonNode object) {
        String apiVersion = object.path("apiVersion").asText("");
        String kind = object.path("kind").asText("");
        if (!knows(apiVersion, kind)) {
            return List.of("no schema for apiVersion '" + apiVersion + "' kind '" + kind
                    + "' (known: " + FLINK_API_VERSION + "/FlinkDeployment, " + FABRIC8_KINDS.keySet() + ")");
        }
        JsonSchema schema = CACHE.computeIfAbsent(key(apiVersion, kind), KubeSchemas::load);
        return schema.validate(object).stream()
                .map(KubeSchemas::describe)
                .sorted()
                .toList();
    }

    private static String describe(ValidationMessage m) {
        String location = m.getInstanceLocation().toString();
        String message = m.getMessage();
        // The message starts with the location (a JSON pointer, empty at the root): show the root as "/".
        return location.isEmpty() && message.startsWith(": ") ? "/" + message : message;
    }

    private static String key(String apiVersion, String kind) {
        return apiVersion + "/" + kind;
    }

    private static JsonSchema load(String key) {
        JsonNode schema = key.equals(FLINK_API_VERSION + "/FlinkDeployment")
                ? flinkDeploymentSchema()
                : fabric8Schema(FABRIC8_KINDS.get(key)[0], FABRIC8_KINDS.get(key)[1]);
        SchemaValidatorsConfig config = SchemaValidatorsConfig.builder().typeLoose(false).build();
        return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7).getSchema(schema, config);
    }

    // ---- FlinkDeployment: the operator's CRD ------------------------------------------------------

    /** The CRD document itself (for tests that look at it). */
    static JsonNode flinkDeploymentCrd() {
        try (InputStream in = KubeSchemas.class.getClassLoader().getResourceAsStream(CRD_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(CRD_RESOURCE + " not on the classpath (flink-kubernetes-operator-api)");
            }
            return Manifest.YAML.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode flinkDeploymentSchema() {
        JsonNode crd = flinkDeploymentCrd();
        JsonNode version = null;
        for (JsonNode v : crd.path("spec").path("versions")) {
            if (v.path("name").asText().equals("v1beta1")) {
                version = v;
            }
        }
        if (version == null) {
            throw new IllegalStateException("the FlinkDeployment CRD has no v1beta1 version");
        }
        ObjectNode root = version.path("schema").path("openAPIV3Schema").deepCopy();
        ObjectNode properties = (ObjectNode) root.path("properties");
        // The API server adds these to every object; metadata is an ObjectMeta, the same type as the
        // pod template's metadata, whose schema the CRD spells out.
        JsonNode objectMeta = properties.path("spec").path("properties").path("podTemplate")
                .path("properties").path("metadata");
        if (objectMeta.isMissingNode()) {
            throw new IllegalStateException("the CRD's spec.podTemplate.metadata schema moved");
        }
        ObjectNode top = NODES.objectNode();
        top.set("apiVersion", NODES.objectNode().put("const", FLINK_API_VERSION));
        top.set("kind", NODES.objectNode().put("const", "FlinkDeployment"));
        top.set("metadata", objectMeta.deepCopy());
        top.set("spec", properties.get("spec"));
        // status is written by the operator; a manifest has no business setting it.
        root.set("properties", top);
        root.set("required", NODES.arrayNode().add("apiVersion").add("kind").add("metadata").add("spec"));
        strictOpenApi(root);
        ObjectNode schema = NODES.objectNode();
        schema.put("$schema", "http://json-schema.org/draft-07/schema#");
        schema.setAll(root);
        return schema;
    }

    /**
     * OpenAPI v3 structural schema (as in CRDs) to strict JSON Schema: objects with listed properties
     * and no additionalProperties / x-kubernetes-preserve-unknown-fields reject other fields;
     * x-kubernetes-int-or-string becomes anyOf [integer, string]; nullable adds "null".
     */
    static void strictOpenApi(JsonNode node) {
        if (!(node instanceof ObjectNode schema)) {
            return;
        }
        boolean preserveUnknown = schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
        if (schema.path("x-kubernetes-int-or-string").asBoolean(false) && !schema.has("anyOf")) {
            schema.set("anyOf", NODES.arrayNode()
                    .add(NODES.objectNode().put("type", "integer"))
                    .add(NODES.objectNode().put("type", "string")));
        }
        if (schema.path("nullable").asBoolean(false) && schema.has("type")) {
            schema.set("type", NODES.arrayNode().add(schema.get("type").asText()).add("null"));
        }
        for (Iterator<String> it = schema.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (field.startsWith("x-kubernetes-") || field.equals("nullable")) {
                it.remove();
            }
        }
        if (schema.has("properties") && !schema.has("additionalProperties") && !preserveUnknown) {
            schema.put("additionalProperties", false);
        }
        schema.path("properties").forEach(KubeSchemas::strictOpenApi);
        strictOpenApi(schema.get("items"));
        strictOpenApi(schema.get("additionalProperties"));
        for (String combinator : List.of("anyOf", "allOf", "oneOf")) {
            schema.path(combinator).forEach(KubeSchemas::strictOpenApi);
        }
        strictOpenApi(schema.get("not"));
    }

    // ---- Core and Prometheus Operator objects: fabric8's schemas ---------------------------------

    /**
     * fabric8's validation-schema.json (draft-07, generated from the Go types) for one definition, made
     * strict: every object rejects unknown fields, apiVersion and kind must be exactly the type's,
     * IntOrString and Quantity are what they are on the wire (fabric8 describes them as the Java
     * objects they are deserialized into).
     */
    static JsonNode fabric8Schema(String classInJar, String definition) {
        JsonNode file = readFromJarOf(classInJar, "schema/validation-schema.json");
        ObjectNode definitions = (ObjectNode) file.get("definitions").deepCopy();
        for (Iterator<Map.Entry<String, JsonNode>> it = definitions.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            ObjectNode def = (ObjectNode) entry.getValue();
            String javaType = def.path("javaType").asText("");
            if (javaType.equals("io.fabric8.kubernetes.api.model.IntOrString")) {
                entry.setValue(anyOf(NODES.objectNode().put("type", "integer"),
                        NODES.objectNode().put("type", "string")));
                continue;
            }
            if (javaType.equals("io.fabric8.kubernetes.api.model.Quantity")) {
                entry.setValue(anyOf(NODES.objectNode().put("type", "string").put("pattern", QUANTITY_PATTERN),
                        NODES.objectNode().put("type", "number")));
                continue;
            }
            strictFabric8(def);
        }
        if (!definitions.has(definition)) {
            throw new IllegalStateException("no definition " + definition + " in the schema of " + classInJar);
        }
        ObjectNode schema = NODES.objectNode();
        schema.put("$schema", "http://json-schema.org/draft-07/schema#");
        schema.put("$ref", "#/definitions/" + definition);
        schema.set("definitions", definitions);
        return schema;
    }

    private static ObjectNode anyOf(ObjectNode a, ObjectNode b) {
        ObjectNode n = NODES.objectNode();
        n.set("anyOf", NODES.arrayNode().add(a).add(b));
        return n;
    }

    private static void strictFabric8(ObjectNode def) {
        stripJavaHints(def);
        JsonNode properties = def.get("properties");
        if (properties instanceof ObjectNode props) {
            ArrayNode required = NODES.arrayNode();
            for (Iterator<Map.Entry<String, JsonNode>> it = props.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> p = it.next();
                ObjectNode prop = (ObjectNode) p.getValue();
                stripJavaHints(prop);
                // Draft-3 style "required": true on a property (only apiVersion and kind have it).
                if (prop.path("required").isBoolean()) {
                    if (prop.get("required").asBoolean()) {
                        required.add(p.getKey());
                    }
                    prop.remove("required");
                }
                if ((p.getKey().equals("apiVersion") || p.getKey().equals("kind")) && prop.has("default")) {
                    p.setValue(NODES.objectNode().put("const", prop.get("default").asText()));
                }
                stripJavaHints(prop.get("items"));
                stripJavaHints(prop.get("additionalProperties"));
            }
            if (!required.isEmpty()) {
                def.set("required", required);
            }
            if (def.path("additionalProperties").isBoolean()) {
                def.put("additionalProperties", false);
            }
        }
    }

    private static void stripJavaHints(JsonNode node) {
        if (node instanceof ObjectNode o) {
            o.remove(List.of("javaType", "javaInterfaces", "existingJavaType", "javaOmitEmpty",
                    "serializer", "deserializer"));
        }
    }

    private static JsonNode readFromJarOf(String className, String entry) {
        try {
            Path jar = Path.of(Class.forName(className).getProtectionDomain().getCodeSource().getLocation().toURI());
            try (JarFile jf = new JarFile(jar.toFile())) {
                ZipEntry e = jf.getEntry(entry);
                if (e == null) {
                    throw new IllegalStateException(entry + " not in " + jar);
                }
                try (InputStream in = jf.getInputStream(e)) {
                    return JSON.readTree(in);
                }
            }
        } catch (ClassNotFoundException | URISyntaxException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
