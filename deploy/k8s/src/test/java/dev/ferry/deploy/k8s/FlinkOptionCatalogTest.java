package dev.ferry.deploy.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The option catalog really holds Flink 1.20's and the operator's options. */
class FlinkOptionCatalogTest {
    private final FlinkOptionCatalog catalog = FlinkOptionCatalog.get();

    @Test
    void scansFlinkAndOperatorJars() {
        assertThat(catalog.size()).isGreaterThan(700);
        assertThat(catalog.jarsScanned()).anyMatch(j -> j.startsWith("flink-core-1.20."))
                .anyMatch(j -> j.startsWith("flink-streaming-java-1.20."))
                .anyMatch(j -> j.startsWith("flink-kubernetes-1.20."))
                .anyMatch(j -> j.startsWith("flink-kubernetes-operator-1."));
    }

    @Test
    void knowsFlink120NamesAndTheirDeprecatedAliases() {
        assertThat(catalog.current("execution.checkpointing.dir")).isPresent();
        assertThat(catalog.current("execution.checkpointing.savepoint-dir")).isPresent();
        assertThat(catalog.current("state.checkpoints.dir")).isEmpty();
        assertThat(catalog.replacementOfDeprecated("state.checkpoints.dir"))
                .hasValueSatisfying(d -> assertThat(d.option().key()).isEqualTo("execution.checkpointing.dir"));
        assertThat(catalog.current("high-availability.type")).isPresent();
        assertThat(catalog.current("kubernetes.rest-service.exposed.type")).isPresent();
        assertThat(catalog.current("kubernetes.operator.savepoint.history.max.count")).isPresent();
    }

    @Test
    void acceptsTheManifestsKeysAndRejectsNearMisses() {
        assertThat(catalog.check(Map.of(
                "execution.checkpointing.num-retained", "3",
                "kubernetes.rest-service.exposed.type", "ClusterIP",
                "metrics.reporter.prom.factory.class", ManifestValidator.PROMETHEUS_FACTORY,
                "metrics.reporter.prom.port", "9249-9260"), Map.of())).isEmpty();
        assertThat(catalog.check(Map.of("kubernetes.rest-service.exposed.type", "ClusterIPs"), Map.of()))
                .singleElement().asString().contains("is not valid");
        assertThat(catalog.check(Map.of("taskmanager.numberOfTaskSlot", "4"), Map.of()))
                .singleElement().asString().contains("did you mean taskmanager.numberOfTaskSlots?");
        assertThat(catalog.check(Map.of("metrics.reporter.prom.port", "9249"), Map.of()))
                .singleElement().asString().contains("has no metrics.reporter.prom.factory.class");
        assertThat(catalog.check(Map.of("state.savepoints.dir", "file:///x"), ManifestValidator.ALLOWED_DEPRECATED_KEYS))
                .isEmpty();
    }
}
