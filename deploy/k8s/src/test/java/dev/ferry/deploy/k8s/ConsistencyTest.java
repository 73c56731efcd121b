package dev.ferry.deploy.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Facts the manifests rely on, checked against their sources. */
class ConsistencyTest {
    private static final Path ROOT = ManifestsTest.moduleDir().resolve("../..").normalize();

    /** The manifests' --add-opens list is the one the build and the ferry launcher use. */
    @Test
    void addOpensListMatchesTheBuildAndTheLauncher() throws IOException {
        Set<String> required = new LinkedHashSet<>(ManifestValidator.REQUIRED_ADD_OPENS);
        Matcher argLine = Pattern.compile("--add-opens=([^=\\s]+)=ALL-UNNAMED")
                .matcher(Files.readString(ROOT.resolve("pom.xml")));
        Set<String> surefire = new LinkedHashSet<>();
        while (argLine.find()) {
            surefire.add(argLine.group(1));
        }
        assertThat(surefire).as("add-opens of the parent pom's surefire argLine").containsExactlyInAnyOrderElementsOf(required);

        Matcher opens = Pattern.compile("opens=\\(([^)]*)\\)").matcher(Files.readString(ROOT.resolve("ferry")));
        assertThat(opens.find()).as("opens=(...) in ./ferry").isTrue();
        assertThat(Set.of(opens.group(1).trim().split("\\s+"))).containsExactlyInAnyOrderElementsOf(required);
    }

    /** The operator API the schema comes from knows Flink 1.20. */
    @Test
    void crdKnowsFlink120() {
        JsonNode crd = KubeSchemas.flinkDeploymentCrd();
        assertThat(crd.at("/metadata/name").asText()).isEqualTo("flinkdeployments.flink.apache.org");
        JsonNode v1beta1 = null;
        for (JsonNode v : crd.at("/spec/versions")) {
            if (v.path("name").asText().equals("v1beta1")) {
                v1beta1 = v;
            }
        }
        assertThat(v1beta1).isNotNull();
        assertThat(v1beta1.at("/schema/openAPIV3Schema/properties/spec/properties/flinkVersion/enum").toString())
                .contains("\"v1_20\"");
    }

    /** Strictness is real: the schema rejects unknown fields at the top, in the spec and deep in a pod. */
    @Test
    void strictSchemaClosesObjects() {
        JsonNode schema = KubeSchemas.flinkDeploymentSchema();
        assertThat(schema.at("/additionalProperties").asBoolean(true)).isFalse();
        assertThat(schema.at("/properties/spec/additionalProperties").asBoolean(true)).isFalse();
        assertThat(schema.at("/properties/spec/properties/podTemplate/properties/spec/properties/containers/items"
                + "/additionalProperties").asBoolean(true)).isFalse();
        // ...while maps stay maps.
        assertThat(schema.at("/properties/spec/properties/flinkConfiguration/additionalProperties/type").asText())
                .isEqualTo("string");
    }
}
