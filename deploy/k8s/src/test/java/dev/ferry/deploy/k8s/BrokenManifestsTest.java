package dev.ferry.deploy.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each case breaks the shipped manifests in one way, in memory, and expects the validator to say so:
 * proof that every check actually bites (the valid manifests passing proves nothing on its own).
 */
class BrokenManifestsTest {

    /** A deep copy of one directory's manifests and Dockerfile, to break. */
    static final class Fixture {
        final List<Manifest> manifests;
        String dockerfile;

        Fixture(String dir) {
            Path path = ManifestsTest.moduleDir().resolve(dir);
            manifests = Manifest.loadDirectory(path).stream()
                    .map(m -> m.withNode(m.node().deepCopy()))
                    .toList();
            try {
                Path df = path.resolve("Dockerfile");
                dockerfile = Files.exists(df) ? Files.readString(df) : null;
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        ObjectNode object(String kind) {
            return manifests.stream().filter(m -> m.kind().equals(kind)).findFirst().orElseThrow().node();
        }

        /** The object node at a JSON pointer inside the first object of {@code kind}. */
        ObjectNode at(String kind, String pointer) {
            JsonNode n = object(kind).at(pointer);
            assertThat(n.isObject()).as(kind + pointer + " exists").isTrue();
            return (ObjectNode) n;
        }

        ObjectNode conf() {
            return at("FlinkDeployment", "/spec/flinkConfiguration");
        }

        ObjectNode mainContainer() {
            return (ObjectNode) ManifestValidator.mainContainer(object("FlinkDeployment").at("/spec/podTemplate/spec"));
        }

        void editSpec(String from, String to) {
            ObjectNode data = at("ConfigMap", "/data");
            String text = data.get("pipe.yaml").asText();
            assertThat(text).contains(from);
            data.put("pipe.yaml", text.replace(from, to));
        }

        List<String> validate() {
            return ManifestValidator.validate(manifests,
                    Optional.ofNullable(dockerfile).map(ManifestValidator.Dockerfile::parse));
        }
    }

    record Case(String name, String dir, Consumer<Fixture> breakIt, String expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                // --- FlinkDeployment against the operator's CRD (made strict) ---------------------------
                new Case("typo in a spec field", "application",
                        f -> f.at("FlinkDeployment", "/spec/job").set("upgradeMod", new TextNode("savepoint")),
                        "/spec/job: property 'upgradeMod' is not defined in the schema"),
                new Case("parallelism as a string", "application",
                        f -> f.at("FlinkDeployment", "/spec/job").put("parallelism", "4"),
                        "string found, integer expected"),
                new Case("unknown flinkVersion", "session",
                        f -> f.at("FlinkDeployment", "/spec").put("flinkVersion", "v1_21"),
                        "/spec/flinkVersion: does not have a value in the enumeration"),
                new Case("unquoted number in flinkConfiguration", "session",
                        f -> f.conf().set("taskmanager.numberOfTaskSlots", IntNode.valueOf(4)),
                        "integer found, string expected"),
                new Case("typo deep in the pod template (secretKeyRef)", "application",
                        f -> {
                            ObjectNode valueFrom = (ObjectNode) f.mainContainer().get("env").get(0).get("valueFrom");
                            valueFrom.set("secretKeyref", valueFrom.remove("secretKeyRef"));
                        },
                        "/spec/podTemplate/spec/containers/0/env/0/valueFrom: property 'secretKeyref' is not defined"),
                new Case("cpu as a string", "session",
                        f -> f.at("FlinkDeployment", "/spec/jobManager/resource").put("cpu", "one"),
                        "string found, number expected"),
                new Case("status in a manifest", "session",
                        f -> f.object("FlinkDeployment").putObject("status").put("lifecycleState", "STABLE"),
                        "schema: /: property 'status' is not defined"),
                new Case("wrong apiVersion", "session",
                        f -> f.object("FlinkDeployment").put("apiVersion", "flink.apache.org/v1beta2"),
                        "no schema for apiVersion 'flink.apache.org/v1beta2'"),

                // --- flinkConfiguration keys and values against Flink 1.20's option classes -------------
                new Case("typo in a Flink key", "session",
                        f -> f.conf().set("state.checkpoint.dir", f.conf().remove("state.checkpoints.dir")),
                        "state.checkpoint.dir: not a Flink 1.20 configuration option (did you mean state.checkpoints.dir?)"),
                new Case("bad enum value", "session",
                        f -> f.conf().put("execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCEL"),
                        "execution.checkpointing.externalized-checkpoint-retention: value 'RETAIN_ON_CANCEL' is not valid"),
                new Case("bad duration", "application",
                        f -> f.conf().put("kubernetes.operator.savepoint.history.max.age", "a week"),
                        "kubernetes.operator.savepoint.history.max.age: value 'a week' is not valid"),
                new Case("typo in an operator key", "application",
                        f -> f.conf().set("kubernetes.operator.periodic.savepoint.intervall",
                                f.conf().remove("kubernetes.operator.periodic.savepoint.interval")),
                        "kubernetes.operator.periodic.savepoint.intervall: not an option of the Flink Kubernetes Operator"),
                new Case("typo in a reporter parameter", "session",
                        f -> f.conf().set("metrics.reporter.prom.prot", f.conf().remove("metrics.reporter.prom.port")),
                        "metrics.reporter.prom.prot: 'prot' is neither a reporter option"),
                new Case("typo in the reporter class", "session",
                        f -> f.conf().put("metrics.reporter.prom.factory.class",
                                "org.apache.flink.metrics.prometheus.PrometheusReporterFactroy"),
                        "no class org.apache.flink.metrics.prometheus.PrometheusReporterFactroy"),
                new Case("deprecated key not allowed", "session",
                        f -> f.conf().put("state.backend.incremental", "true"),
                        "state.backend.incremental: deprecated in Flink 1.20, use execution.checkpointing.incremental"),
                new Case("typo in the HA type", "session",
                        f -> f.conf().put("high-availability.type", "kubernets"),
                        "high-availability.type: 'kubernets' is none of"),
                new Case("integer option with a non-integer", "session",
                        f -> f.conf().put("taskmanager.numberOfTaskSlots", "four"),
                        "taskmanager.numberOfTaskSlots: value 'four' is not valid"),

                // --- the operator's admission checks ------------------------------------------------------
                new Case("savepoint upgrades without state.savepoints.dir", "application",
                        f -> f.conf().remove("state.savepoints.dir"),
                        "Job could not be upgraded with savepoint while config key[state.savepoints.dir] is not set"),
                new Case("only the 1.20 name of the savepoint dir (operator 1.10 reads the 1.19 one)", "application",
                        f -> f.conf().set("execution.checkpointing.savepoint-dir", f.conf().remove("state.savepoints.dir")),
                        "execution.checkpointing.savepoint-dir is set, but the operator 1.10 is built on Flink 1.19"),
                new Case("standby JobManagers without HA", "session",
                        f -> {
                            f.conf().put("high-availability.type", "NONE");
                            f.at("FlinkDeployment", "/spec/jobManager").put("replicas", 2);
                        },
                        "High availability should be enabled when starting standby JobManagers."),
                new Case("no serviceAccount", "session",
                        f -> f.at("FlinkDeployment", "/spec").remove("serviceAccount"),
                        "spec.serviceAccount must be defined"),
                new Case("forbidden key", "session",
                        f -> f.conf().put("kubernetes.cluster-id", "other"),
                        "Forbidden Flink config key: kubernetes.cluster-id"),
                new Case("deployment name too long", "session",
                        f -> f.at("FlinkDeployment", "/metadata").put("name", "ferry-session-" + "x".repeat(40)),
                        "The FlinkDeployment name"),
                new Case("unparsable memory", "session",
                        f -> f.at("FlinkDeployment", "/spec/taskManager/resource").put("memory", "4 gigs"),
                        "TaskManager resource memory parse error"),
                new Case("job not starting in running state", "application",
                        f -> f.at("FlinkDeployment", "/spec/job").put("state", "suspended"),
                        "Job must start in running state"),

                // --- what Ferry needs -------------------------------------------------------------------
                new Case("Java 11 image", "session",
                        f -> f.at("FlinkDeployment", "/spec").put("image", "flink:1.20"),
                        "is not a Flink 1.20 Java 17 image"),
                new Case("an --add-opens missing", "session",
                        f -> f.conf().put("env.java.opts.all", f.conf().get("env.java.opts.all").asText()
                                .replace("--add-opens=java.sql/java.sql=ALL-UNNAMED", "")),
                        "missing --add-opens=<p>=ALL-UNNAMED for [java.sql/java.sql]"),
                new Case("main container misnamed", "session",
                        f -> f.mainContainer().put("name", "flink-main-contianer"),
                        "'flink-main-contianer' is not flink-main-container"),
                new Case("checkpoints outside the volume", "session",
                        f -> f.conf().put("state.checkpoints.dir", "file:///tmp/checkpoints"),
                        "state.checkpoints.dir: /tmp/checkpoints is not under a PersistentVolumeClaim"),
                new Case("checkpoints not retained on cancel", "session",
                        f -> f.conf().put("execution.checkpointing.externalized-checkpoint-retention", "DELETE_ON_CANCELLATION"),
                        "RETAIN_ON_CANCELLATION required"),
                new Case("metrics port annotation disagrees", "session",
                        f -> ((ObjectNode) f.object("FlinkDeployment").at("/spec/podTemplate/metadata/annotations"))
                                .put("prometheus.io/port", "9250"),
                        "annotation prometheus.io/port is 9250 but metrics.reporter.prom.port is 9249"),
                new Case("wrong jar path", "application",
                        f -> f.at("FlinkDeployment", "/spec/job").put("jarURI", "local:///opt/flink/usrlib/ferry-jobs.jar"),
                        "spec.job.jarURI: local:///opt/flink/usrlib/ferry-jobs-job.jar expected"),
                new Case("Dockerfile on Java 11", "application",
                        f -> f.dockerfile = f.dockerfile.replace("FROM flink:1.20-java17", "FROM flink:1.20"),
                        "Dockerfile: FROM flink:1.20 is not a Flink 1.20 Java 17 image"),
                new Case("Dockerfile copies the jar elsewhere", "application",
                        f -> f.dockerfile = f.dockerfile.replace(" /opt/flink/usrlib/ferry-jobs-job.jar", " /opt/flink/lib/"),
                        "the Dockerfile copies nothing to /opt/flink/usrlib/ferry-jobs-job.jar"),

                // --- references between objects ------------------------------------------------------
                new Case("env refers to a missing Secret key", "application",
                        f -> ((ObjectNode) f.mainContainer().get("env").get(0).at("/valueFrom/secretKeyRef"))
                                .put("key", "PG_PASSWD"),
                        "Secret ferry-shop-credentials has no key 'PG_PASSWD'"),
                new Case("volume refers to a missing PVC", "session",
                        f -> ((ObjectNode) f.object("FlinkDeployment").at("/spec/podTemplate/spec/volumes/0/persistentVolumeClaim"))
                                .put("claimName", "ferry-data"),
                        "no PersistentVolumeClaim 'ferry-data' here"),
                new Case("spec file not mounted", "application",
                        f -> {
                            ArrayNode args = (ArrayNode) f.object("FlinkDeployment").at("/spec/job/args");
                            args.set(1, new TextNode("/opt/ferry/shop.yaml"));
                        },
                        "--spec-file /opt/ferry/shop.yaml is not a key of a ConfigMap mounted"),
                new Case("Service selects no FlinkDeployment", "session",
                        f -> f.at("Service", "/spec/selector").put("app", "ferry"),
                        "spec.selector.app: no FlinkDeployment named 'ferry' here"),
                new Case("Service targets the wrong port", "session",
                        f -> ((ObjectNode) f.object("Service").at("/spec/ports/0")).put("targetPort", 8082),
                        "targetPort 8082 is not the JobManager's REST port 8081"),
                new Case("PodMonitor scrapes an undeclared port", "session",
                        f -> ((ObjectNode) f.object("PodMonitor").at("/spec/podMetricsEndpoints/0")).put("port", "prom"),
                        "ferry-session has no container port named 'prom'"),
                new Case("PodMonitor selects nothing", "session",
                        f -> f.at("PodMonitor", "/spec/selector/matchLabels").put("app.kubernetes.io/part-of", "ferri"),
                        "selects no FlinkDeployment's pods"),

                // --- core objects against fabric8's Kubernetes schema (made strict) ------------------
                new Case("typo in a PVC field", "session",
                        f -> f.at("PersistentVolumeClaim", "/spec").set("accesModes",
                                f.at("PersistentVolumeClaim", "/spec").remove("accessModes")),
                        "/spec: property 'accesModes' is not defined"),
                new Case("PVC not ReadWriteMany", "application",
                        f -> ((ArrayNode) f.object("PersistentVolumeClaim").at("/spec/accessModes")).set(0, new TextNode("ReadWriteOnce")),
                        "ReadWriteMany required"),
                new Case("PVC size not a quantity", "session",
                        f -> f.at("PersistentVolumeClaim", "/spec/resources/requests").put("storage", "fifty gigs"),
                        "/spec/resources/requests/storage: does not match the regex pattern"),
                new Case("Service port as a string", "session",
                        f -> ((ObjectNode) f.object("Service").at("/spec/ports/0")).put("port", "8081"),
                        "/spec/ports/0/port: string found, integer expected"),
                new Case("Service name not a DNS label", "session",
                        f -> f.at("Service", "/metadata").put("name", "Ferry_REST"),
                        "metadata.name: 'Ferry_REST' is not a valid Service name"),
                new Case("typo in the PodMonitor spec", "session",
                        f -> f.at("PodMonitor", "/spec").set("podMetricEndpoints",
                                f.at("PodMonitor", "/spec").remove("podMetricsEndpoints")),
                        "/spec: property 'podMetricEndpoints' is not defined"),
                new Case("typo in a Secret field", "application",
                        f -> f.object("Secret").set("stringdata", f.object("Secret").remove("stringData")),
                        "schema: /: property 'stringdata' is not defined"),
                new Case("ConfigMap data value not a string", "application",
                        f -> f.at("ConfigMap", "/data").put("extra", 5),
                        "/data/extra: integer found, string expected"),
                new Case("kind typo", "application",
                        f -> f.object("Secret").put("kind", "Secrett"),
                        "no schema for apiVersion 'v1' kind 'Secrett'"),

                // --- the pipe spec in the ConfigMap, through Ferry's own parser ---------------------
                new Case("bad setting in the pipe spec", "application",
                        f -> f.editSpec("initial_load_parallelism: 4", "initial_load_parallelism: 0"),
                        "settings.initial_load_parallelism: must be between 1 and 64 (got 0)"),
                new Case("spec refers to a variable not in the environment", "application",
                        f -> f.editSpec("${PG_PASSWORD}", "${PGPASSWORD}"),
                        "environment variable PGPASSWORD is not set"),
                new Case("unknown field in the pipe spec", "application",
                        f -> f.editSpec("settings:", "setings:"),
                        "setings: unknown field"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void brokenManifestIsCaught(Case c) {
        Fixture f = new Fixture(c.dir());
        assertThat(f.validate()).as("the unbroken fixture").isEmpty();
        c.breakIt().accept(f);
        List<String> problems = f.validate();
        assertThat(problems).as(c.name()).anySatisfy(p -> assertThat(p).contains(c.expected()));
    }

    @Test
    void yamlWithADuplicateKeyIsCaught(@TempDir Path dir) throws IOException {
        Path source = ManifestsTest.moduleDir().resolve("session");
        try (Stream<Path> files = Files.list(source)) {
            for (Path p : files.toList()) {
                Files.copy(p, dir.resolve(p.getFileName()));
            }
        }
        assertThat(ManifestValidator.validateDirectory(dir)).isEmpty();
        Path deployment = dir.resolve("flink-session.yaml");
        Files.writeString(deployment, Files.readString(deployment).replace(
                "    state.backend.type: hashmap\n",
                "    state.backend.type: hashmap\n    state.checkpoints.dir: file:///flink-data/other\n"));
        assertThat(ManifestValidator.validateDirectory(dir))
                .anySatisfy(p -> assertThat(p).contains("not valid YAML").contains("Duplicate field 'state.checkpoints.dir'"));
    }

    @Test
    void yamlIndentationErrorIsCaught(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("svc.yaml"), "apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n spec: {}\n");
        assertThat(ManifestValidator.validateDirectory(dir)).anySatisfy(p -> assertThat(p).contains("not valid YAML"));
    }
}
