package dev.ferry.deploy.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.state.spec.PipeSpecException;
import dev.ferry.state.spec.PipeSpecParser;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.flink.kubernetes.operator.api.FlinkDeployment;

/**
 * Validates the manifests of one directory (deploy/k8s/session or deploy/k8s/application) without a
 * cluster. Returns problems, one line each, prefixed with the file and object; empty means valid.
 *
 * <ol>
 *   <li>Schema: every object against its strict schema ({@link KubeSchemas}).</li>
 *   <li>FlinkDeployment: binds to the operator's Java model (as the operator reads it); the operator's
 *       admission checks ({@link OperatorRules}); every flinkConfiguration key is a Flink 1.20 (or
 *       operator) option and its value parses as that option's type ({@link FlinkOptionCatalog}).</li>
 *   <li>Ferry's own needs: Java 17 image, the --add-opens list, checkpoint/savepoint/HA storage on a
 *       mounted ReadWriteMany volume, retained checkpoints, Prometheus reporter and its port, the
 *       operator's main container name, and for the application example the job jar, entry class,
 *       spec file and its environment.</li>
 *   <li>References between objects: volumes to PVCs and ConfigMaps, env to Secret keys, Services and
 *       PodMonitors to the pods and ports they select, the job jar to the Dockerfile.</li>
 * </ol>
 */
final class ManifestValidator {
    static final String FLINK_VERSION = "v1_20";
    static final String MAIN_CONTAINER = "flink-main-container";
    static final String PROMETHEUS_FACTORY = "org.apache.flink.metrics.prometheus.PrometheusReporterFactory";
    static final String ENTRY_CLASS = "dev.ferry.jobs.PipeJobMain";
    static final String JAR_URI = "local:///opt/flink/usrlib/ferry-jobs-job.jar";
    /** What a Flink JobManager JVM on Java 17 needs opened (same as ./ferry and the surefire argLine). */
    static final List<String> REQUIRED_ADD_OPENS = List.of(
            "java.base/java.util", "java.base/java.lang", "java.base/java.lang.reflect", "java.base/java.io",
            "java.base/java.net", "java.base/java.nio", "java.base/sun.nio.ch", "java.base/java.text",
            "java.base/java.time", "java.base/java.math", "java.base/java.util.concurrent",
            "java.base/java.util.concurrent.atomic", "java.sql/java.sql");
    /** Deprecated Flink keys the manifests use on purpose. */
    static final Map<String, String> ALLOWED_DEPRECATED_KEYS = Map.of(
            OperatorRules.CHECKPOINTS_DIR_KEY, "the operator 1.10 (Flink 1.19) reads only this name",
            OperatorRules.SAVEPOINTS_DIR_KEY, "the operator 1.10 (Flink 1.19) reads only this name");
    /** Labels Flink's native Kubernetes integration puts on JobManager pods. */
    static final String NATIVE_TYPE = "flink-native-kubernetes";
    static final int DEFAULT_REST_PORT = 8081;

    private static final Pattern DNS1123_SUBDOMAIN =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern DNS1035_LABEL = Pattern.compile("[a-z]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern LABEL_VALUE = Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");
    private static final Pattern ENV_REF = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private final List<Manifest> manifests;
    private final Optional<Dockerfile> dockerfile;
    private final List<String> problems = new ArrayList<>();

    private ManifestValidator(List<Manifest> manifests, Optional<Dockerfile> dockerfile) {
        this.manifests = manifests;
        this.dockerfile = dockerfile;
    }

    /** The manifests (*.yaml) and Dockerfile of a directory. */
    static List<String> validateDirectory(Path dir) {
        List<Manifest> manifests;
        try {
            manifests = Manifest.loadDirectory(dir);
        } catch (IllegalArgumentException e) {
            return List.of(e.getMessage());
        }
        return validate(manifests, Dockerfile.read(dir.resolve("Dockerfile")));
    }

    static List<String> validate(List<Manifest> manifests, Optional<Dockerfile> dockerfile) {
        ManifestValidator v = new ManifestValidator(manifests, dockerfile);
        v.run();
        return v.problems;
    }

    private void run() {
        if (manifests.isEmpty()) {
            problems.add("no manifests");
            return;
        }
        Set<String> seen = new HashSet<>();
        for (Manifest m : manifests) {
            if (!seen.add(m.kind() + "/" + m.name())) {
                add(m, "defined twice");
            }
            KubeSchemas.validate(m.node()).forEach(p -> add(m, "schema: " + p));
            checkMetadata(m);
            switch (m.kind()) {
                case "FlinkDeployment" -> checkFlinkDeployment(m);
                case "Service" -> checkService(m);
                case "PodMonitor" -> checkPodMonitor(m);
                case "PersistentVolumeClaim" -> checkPvc(m);
                default -> { }
            }
        }
    }

    // ---- FlinkDeployment ---------------------------------------------------------------------------

    private void checkFlinkDeployment(Manifest m) {
        JsonNode node = m.node();
        JsonNode spec = node.path("spec");
        try {
            FlinkDeployment model = SERIALIZATION.unmarshal(node.toString(), FlinkDeployment.class);
            if (model.getSpec() == null) {
                add(m, "operator model: no spec");
            }
        } catch (RuntimeException e) {
            add(m, "operator model (flink-kubernetes-operator-api 1.10.0) cannot read it: " + rootMessage(e));
        }
        OperatorRules.check(node).forEach(p -> add(m, "operator: " + p));
        Map<String, String> conf = flinkConfiguration(node);
        FlinkOptionCatalog.get().check(conf, ALLOWED_DEPRECATED_KEYS).forEach(p -> add(m, "flinkConfiguration." + p));

        if (!FLINK_VERSION.equals(spec.path("flinkVersion").asText())) {
            add(m, "spec.flinkVersion: Ferry runs on Flink 1.20 (" + FLINK_VERSION + "), got '"
                    + spec.path("flinkVersion").asText() + "'");
        }
        checkPodTemplate(m, "spec.podTemplate", spec.path("podTemplate"));
        checkPodTemplate(m, "spec.jobManager.podTemplate", spec.path("jobManager").path("podTemplate"));
        checkPodTemplate(m, "spec.taskManager.podTemplate", spec.path("taskManager").path("podTemplate"));
        checkImage(m, spec.path("image").asText(""));
        checkJavaOpens(m, conf.getOrDefault("env.java.opts.all", ""));
        checkStorage(m, conf);
        checkMetrics(m, conf);
        if (spec.has("job")) {
            checkApplicationJob(m);
        }
    }

    /** Ferry's jars are Java 17 class files; the plain flink:1.20 tag is the Java 11 image. */
    private void checkImage(Manifest m, String image) {
        if (image.isBlank()) {
            add(m, "spec.image: required");
        } else if (image.startsWith("flink:")) {
            if (!image.startsWith("flink:1.20") || !image.contains("java17")) {
                add(m, "spec.image: '" + image + "' is not a Flink 1.20 Java 17 image (flink:1.20-java17):"
                        + " Ferry is compiled for Java 17; flink:1.20 is the Java 11 image");
            }
            if (m.node().path("spec").has("job")
                    && m.node().path("spec").path("job").path("jarURI").asText().startsWith("local://")) {
                add(m, "spec.image: the official image does not contain the local:// job jar; build ./Dockerfile");
            }
        } else if (dockerfile.isEmpty()) {
            add(m, "spec.image: '" + image + "' is a custom image, but there is no Dockerfile next to the manifest"
                    + " to check it is Flink 1.20 on Java 17");
        } else {
            String from = dockerfile.get().from();
            if (!from.startsWith("flink:1.20") || !from.contains("java17")) {
                add(m, "Dockerfile: FROM " + from + " is not a Flink 1.20 Java 17 image (flink:1.20-java17)");
            }
        }
    }

    private void checkJavaOpens(Manifest m, String opts) {
        Set<String> given = new HashSet<>();
        for (String token : opts.trim().split("\\s+")) {
            if (token.startsWith("--add-opens=") && token.endsWith("=ALL-UNNAMED")) {
                given.add(token.substring("--add-opens=".length(), token.length() - "=ALL-UNNAMED".length()));
            }
        }
        List<String> missing = REQUIRED_ADD_OPENS.stream().filter(p -> !given.contains(p)).toList();
        if (!missing.isEmpty()) {
            add(m, "flinkConfiguration.env.java.opts.all: missing --add-opens=<p>=ALL-UNNAMED for " + missing);
        }
    }

    /** Checkpoints, savepoints and HA files: set, and on a mounted ReadWriteMany volume when file://. */
    private void checkStorage(Manifest m, Map<String, String> conf) {
        for (String key : List.of(OperatorRules.CHECKPOINTS_DIR_KEY, OperatorRules.SAVEPOINTS_DIR_KEY,
                "high-availability.storageDir")) {
            String dir = conf.get(key);
            if (dir == null || dir.isBlank()) {
                add(m, "flinkConfiguration." + key + ": required (Ferry pipes are paused and upgraded through"
                        + " savepoints and recover from checkpoints)");
            } else if (dir.startsWith("file://")) {
                String path = dir.substring("file://".length());
                Optional<String> claim = pvcMountedAbove(m, path);
                if (claim.isEmpty()) {
                    add(m, "flinkConfiguration." + key + ": " + path
                            + " is not under a PersistentVolumeClaim mounted in " + MAIN_CONTAINER);
                }
            } else if (!dir.matches("(s3|s3a|s3p|gs|abfss?|wasbs?|oss|hdfs)://.+")) {
                add(m, "flinkConfiguration." + key + ": '" + dir + "' is neither file:// on a volume nor object storage");
            }
        }
        if (!"RETAIN_ON_CANCELLATION".equals(conf.get("execution.checkpointing.externalized-checkpoint-retention"))) {
            add(m, "flinkConfiguration.execution.checkpointing.externalized-checkpoint-retention: RETAIN_ON_CANCELLATION"
                    + " required (a cancelled pipe must keep its last checkpoint)");
        }
        if (!"kubernetes".equalsIgnoreCase(conf.getOrDefault("high-availability.type", ""))) {
            add(m, "flinkConfiguration.high-availability.type: kubernetes required");
        }
    }

    /** The claim of the PVC volume whose mount in the main container contains {@code path}. */
    private Optional<String> pvcMountedAbove(Manifest m, String path) {
        JsonNode podSpec = m.node().path("spec").path("podTemplate").path("spec");
        JsonNode main = mainContainer(podSpec);
        for (JsonNode mount : main.path("volumeMounts")) {
            String mountPath = mount.path("mountPath").asText();
            String prefix = mountPath.endsWith("/") ? mountPath : mountPath + "/";
            if (path.equals(mountPath) || path.startsWith(prefix)) {
                JsonNode volume = volume(podSpec, mount.path("name").asText());
                String claim = volume.path("persistentVolumeClaim").path("claimName").asText("");
                if (!claim.isEmpty()) {
                    return Optional.of(claim);
                }
            }
        }
        return Optional.empty();
    }

    private void checkMetrics(Manifest m, Map<String, String> conf) {
        String factory = conf.get("metrics.reporter.prom.factory.class");
        if (!PROMETHEUS_FACTORY.equals(factory)) {
            add(m, "flinkConfiguration.metrics.reporter.prom.factory.class: " + PROMETHEUS_FACTORY + " required");
            return;
        }
        String port = conf.getOrDefault("metrics.reporter.prom.port", "9249");
        JsonNode podTemplate = m.node().path("spec").path("podTemplate");
        JsonNode main = mainContainer(podTemplate.path("spec"));
        boolean declared = false;
        for (JsonNode p : main.path("ports")) {
            if (p.path("name").asText().equals("metrics")) {
                declared = true;
                if (!String.valueOf(p.path("containerPort").asInt()).equals(port)) {
                    add(m, "podTemplate: container port 'metrics' is " + p.path("containerPort").asInt()
                            + " but metrics.reporter.prom.port is " + port);
                }
            }
        }
        if (!declared) {
            add(m, "podTemplate: " + MAIN_CONTAINER + " declares no port named 'metrics' (" + port
                    + ") for the PodMonitor");
        }
        JsonNode annotations = podTemplate.path("metadata").path("annotations");
        if (annotations.has("prometheus.io/port") && !annotations.get("prometheus.io/port").asText().equals(port)) {
            add(m, "podTemplate: annotation prometheus.io/port is " + annotations.get("prometheus.io/port").asText()
                    + " but metrics.reporter.prom.port is " + port);
        }
    }

    private void checkApplicationJob(Manifest m) {
        JsonNode spec = m.node().path("spec");
        JsonNode job = spec.path("job");
        String jarUri = job.path("jarURI").asText("");
        if (!JAR_URI.equals(jarUri)) {
            add(m, "spec.job.jarURI: " + JAR_URI + " expected, got '" + jarUri + "'");
        }
        if (dockerfile.isPresent() && jarUri.startsWith("local://")) {
            String inImage = jarUri.substring("local://".length());
            if (!dockerfile.get().copiesTo(inImage)) {
                add(m, "spec.job.jarURI: the Dockerfile copies nothing to " + inImage + " (COPY destinations: "
                        + dockerfile.get().copyDestinations() + ")");
            }
        }
        if (!ENTRY_CLASS.equals(job.path("entryClass").asText())) {
            add(m, "spec.job.entryClass: " + ENTRY_CLASS + " expected");
        }
        if (!"savepoint".equals(job.path("upgradeMode").asText())) {
            add(m, "spec.job.upgradeMode: savepoint expected (pipes keep their progress across upgrades)");
        }
        List<String> args = new ArrayList<>();
        job.path("args").forEach(a -> args.add(a.asText()));
        int i = args.indexOf("--spec-file");
        if (i < 0 || i + 1 >= args.size()) {
            add(m, "spec.job.args: --spec-file <path> required");
            return;
        }
        checkSpecFile(m, args.get(i + 1));
    }

    /** The spec file must come from a mounted ConfigMap key, and parse with the container's environment. */
    private void checkSpecFile(Manifest m, String specPath) {
        JsonNode podSpec = m.node().path("spec").path("podTemplate").path("spec");
        JsonNode main = mainContainer(podSpec);
        String specText = null;
        for (JsonNode mount : main.path("volumeMounts")) {
            String mountPath = mount.path("mountPath").asText();
            if (!specPath.startsWith(mountPath.endsWith("/") ? mountPath : mountPath + "/")) {
                continue;
            }
            String relative = specPath.substring(mountPath.length()).replaceFirst("^/", "");
            if (mount.has("subPath")) {
                continue;
            }
            JsonNode configMapVolume = volume(podSpec, mount.path("name").asText()).path("configMap");
            if (configMapVolume.isMissingNode()) {
                continue;
            }
            String key = relative;
            if (configMapVolume.has("items")) {
                key = null;
                for (JsonNode item : configMapVolume.path("items")) {
                    if (item.path("path").asText().equals(relative)) {
                        key = item.path("key").asText();
                    }
                }
            }
            Optional<Manifest> cm = find("ConfigMap", configMapVolume.path("name").asText());
            if (key != null && cm.isPresent() && cm.get().node().path("data").has(key)) {
                specText = cm.get().node().path("data").path(key).asText();
            }
        }
        if (specText == null) {
            add(m, "spec.job.args: --spec-file " + specPath + " is not a key of a ConfigMap mounted in " + MAIN_CONTAINER);
            return;
        }
        // The job resolves ${VAR} from its environment: give the parser exactly the container's env names.
        Map<String, String> env = new LinkedHashMap<>();
        for (JsonNode e : main.path("env")) {
            env.put(e.path("name").asText(), "value-from-" + e.path("name").asText());
        }
        try {
            PipeSpecParser.parse(specText, env);
        } catch (PipeSpecException e) {
            add(m, "pipe spec " + specPath + " (Ferry's parser): " + e.getMessage());
        }
        var refs = ENV_REF.matcher(specText);
        while (refs.find()) {
            String var = refs.group(1);
            for (JsonNode e : main.path("env")) {
                if (e.path("name").asText().equals(var) && e.has("value")) {
                    add(m, "env " + var + ": a password in plain text; use valueFrom.secretKeyRef");
                }
            }
        }
    }

    // ---- Core objects --------------------------------------------------------------------------------

    private void checkMetadata(Manifest m) {
        String name = m.name();
        if (name.isEmpty()) {
            add(m, "metadata.name: required");
        } else if (m.kind().equals("Service") ? !DNS1035_LABEL.matcher(name).matches() || name.length() > 63
                : !DNS1123_SUBDOMAIN.matcher(name).matches() || name.length() > 253) {
            add(m, "metadata.name: '" + name + "' is not a valid " + m.kind() + " name");
        }
        if (m.node().path("metadata").has("namespace")) {
            add(m, "metadata.namespace: leave it out; apply with kubectl -n <namespace>");
        }
        m.node().path("metadata").path("labels").fields().forEachRemaining(e -> {
            String v = e.getValue().asText();
            if (v.length() > 63 || !LABEL_VALUE.matcher(v).matches()) {
                add(m, "metadata.labels." + e.getKey() + ": '" + v + "' is not a valid label value");
            }
        });
    }

    private void checkPvc(Manifest m) {
        boolean rwx = false;
        for (JsonNode mode : m.node().path("spec").path("accessModes")) {
            rwx |= mode.asText().equals("ReadWriteMany");
        }
        if (!rwx) {
            add(m, "spec.accessModes: ReadWriteMany required (JobManager and TaskManagers on different nodes write"
                    + " the same checkpoint directories)");
        }
        String storage = m.node().path("spec").path("resources").path("requests").path("storage").asText("");
        if (storage.isEmpty()) {
            add(m, "spec.resources.requests.storage: required");
        } else {
            try {
                io.fabric8.kubernetes.api.model.Quantity.getAmountInBytes(
                        io.fabric8.kubernetes.api.model.Quantity.parse(storage));
            } catch (IllegalArgumentException e) {
                add(m, "spec.resources.requests.storage: '" + storage + "' is not a quantity");
            }
        }
    }

    /** A Service selecting Flink JobManager pods must name an existing FlinkDeployment and its REST port. */
    private void checkService(Manifest m) {
        JsonNode selector = m.node().path("spec").path("selector");
        if (!"jobmanager".equals(selector.path("component").asText())) {
            return;
        }
        if (!NATIVE_TYPE.equals(selector.path("type").asText())) {
            add(m, "spec.selector.type: " + NATIVE_TYPE + " (the label Flink puts on its pods)");
        }
        String app = selector.path("app").asText("");
        Optional<Manifest> deployment = find("FlinkDeployment", app);
        if (deployment.isEmpty()) {
            add(m, "spec.selector.app: no FlinkDeployment named '" + app + "' here");
            return;
        }
        String restPort = flinkConfiguration(deployment.get().node())
                .getOrDefault("rest.port", String.valueOf(DEFAULT_REST_PORT));
        for (JsonNode port : m.node().path("spec").path("ports")) {
            JsonNode target = port.has("targetPort") ? port.get("targetPort") : port.get("port");
            if (!target.asText().equals(restPort)) {
                add(m, "spec.ports: targetPort " + target.asText() + " is not the JobManager's REST port " + restPort);
            }
        }
    }

    /** A PodMonitor must select some FlinkDeployment's pods, by a port they declare. */
    private void checkPodMonitor(Manifest m) {
        JsonNode matchLabels = m.node().path("spec").path("selector").path("matchLabels");
        List<Manifest> selected = new ArrayList<>();
        for (Manifest d : manifests) {
            if (d.kind().equals("FlinkDeployment") && labelsMatch(matchLabels,
                    d.node().path("spec").path("podTemplate").path("metadata").path("labels"))) {
                selected.add(d);
            }
        }
        if (selected.isEmpty()) {
            add(m, "spec.selector.matchLabels: selects no FlinkDeployment's pods");
            return;
        }
        for (JsonNode endpoint : m.node().path("spec").path("podMetricsEndpoints")) {
            String portName = endpoint.path("port").asText("");
            for (Manifest d : selected) {
                boolean found = false;
                for (JsonNode p : mainContainer(d.node().path("spec").path("podTemplate").path("spec")).path("ports")) {
                    found |= p.path("name").asText().equals(portName);
                }
                if (!found) {
                    add(m, "podMetricsEndpoints.port: " + d.name() + " has no container port named '" + portName + "'");
                }
            }
        }
    }

    private static boolean labelsMatch(JsonNode selector, JsonNode labels) {
        if (selector.isMissingNode() || selector.isEmpty()) {
            return false;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = selector.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().asText().equals(labels.path(e.getKey()).asText(null))) {
                return false;
            }
        }
        return true;
    }

    // ---- References from pod templates -----------------------------------------------------------

    /** Main container present, no stray containers, mounts, volumes and env refs resolvable. */
    private void checkPodTemplate(Manifest m, String path, JsonNode podTemplate) {
        if (podTemplate.isMissingNode()) {
            return;
        }
        JsonNode podSpec = podTemplate.path("spec");
        boolean hasMain = false;
        for (JsonNode c : podSpec.path("containers")) {
            String name = c.path("name").asText();
            if (name.equals(MAIN_CONTAINER)) {
                hasMain = true;
            } else {
                add(m, path + ".spec.containers: '" + name + "' is not " + MAIN_CONTAINER
                        + "; the operator would run it as an extra container next to Flink");
            }
            for (JsonNode mount : c.path("volumeMounts")) {
                if (volume(podSpec, mount.path("name").asText()).isMissingNode()) {
                    add(m, path + ": volumeMount '" + mount.path("name").asText() + "' has no volume");
                }
            }
            for (JsonNode e : c.path("env")) {
                JsonNode ref = e.path("valueFrom").path("secretKeyRef");
                if (!ref.isMissingNode()) {
                    checkSecretKey(m, path + ".env." + e.path("name").asText(), ref);
                }
            }
        }
        if (path.equals("spec.podTemplate") && !hasMain) {
            add(m, path + ": no container named " + MAIN_CONTAINER + " (volume mounts, env and ports go there)");
        }
        for (JsonNode v : podSpec.path("volumes")) {
            String claim = v.path("persistentVolumeClaim").path("claimName").asText("");
            if (!claim.isEmpty() && find("PersistentVolumeClaim", claim).isEmpty()) {
                add(m, path + ".spec.volumes." + v.path("name").asText() + ": no PersistentVolumeClaim '" + claim + "' here");
            }
            JsonNode cm = v.path("configMap");
            if (!cm.isMissingNode()) {
                Optional<Manifest> configMap = find("ConfigMap", cm.path("name").asText());
                if (configMap.isEmpty()) {
                    add(m, path + ".spec.volumes." + v.path("name").asText() + ": no ConfigMap '"
                            + cm.path("name").asText() + "' here");
                } else {
                    for (JsonNode item : cm.path("items")) {
                        if (!configMap.get().node().path("data").has(item.path("key").asText())) {
                            add(m, path + ".spec.volumes." + v.path("name").asText() + ": ConfigMap "
                                    + cm.path("name").asText() + " has no key '" + item.path("key").asText() + "'");
                        }
                    }
                }
            }
        }
    }

    private void checkSecretKey(Manifest m, String path, JsonNode ref) {
        String secretName = ref.path("name").asText();
        String key = ref.path("key").asText();
        Optional<Manifest> secret = find("Secret", secretName);
        if (secret.isEmpty()) {
            add(m, path + ": no Secret '" + secretName + "' here");
        } else if (!secret.get().node().path("stringData").has(key) && !secret.get().node().path("data").has(key)) {
            add(m, path + ": Secret " + secretName + " has no key '" + key + "'");
        }
    }

    // ---- helpers -------------------------------------------------------------------------------------

    /** flinkConfiguration as strings (non-string values are reported by the schema check). */
    static Map<String, String> flinkConfiguration(JsonNode deployment) {
        Map<String, String> conf = new LinkedHashMap<>();
        deployment.path("spec").path("flinkConfiguration").fields()
                .forEachRemaining(e -> conf.put(e.getKey(), e.getValue().asText()));
        return conf;
    }

    static JsonNode mainContainer(JsonNode podSpec) {
        for (JsonNode c : podSpec.path("containers")) {
            if (c.path("name").asText().equals(MAIN_CONTAINER)) {
                return c;
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    private static JsonNode volume(JsonNode podSpec, String name) {
        for (JsonNode v : podSpec.path("volumes")) {
            if (v.path("name").asText().equals(name)) {
                return v;
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    private Optional<Manifest> find(String kind, String name) {
        return manifests.stream().filter(x -> x.kind().equals(kind) && x.name().equals(name)).findFirst();
    }

    private void add(Manifest m, String message) {
        String line = m.where() + ": " + message;
        if (!problems.contains(line)) {
            problems.add(line);
        }
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage();
    }

    /** The few Dockerfile facts the checks need: the base image and where COPY/ADD put files. */
    record Dockerfile(String from, List<String> copyDestinations) {
        static Optional<Dockerfile> read(Path file) {
            if (!Files.exists(file)) {
                return Optional.empty();
            }
            try {
                return Optional.of(parse(Files.readString(file)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        static Dockerfile parse(String text) {
            String from = "";
            List<String> destinations = new ArrayList<>();
            String joined = text.replaceAll("\\\\\\r?\\n", " ");
            for (String line : joined.split("\\r?\\n")) {
                String l = line.trim();
                if (l.isEmpty() || l.startsWith("#")) {
                    continue;
                }
                String[] words = l.split("\\s+");
                String instruction = words[0].toUpperCase(java.util.Locale.ROOT);
                if (instruction.equals("FROM") && from.isEmpty()) {
                    for (int i = 1; i < words.length; i++) {
                        if (!words[i].startsWith("--")) {
                            from = words[i];
                            break;
                        }
                    }
                } else if ((instruction.equals("COPY") || instruction.equals("ADD")) && words.length >= 3) {
                    destinations.add(words[words.length - 1]);
                }
            }
            return new Dockerfile(from, destinations);
        }

        boolean copiesTo(String path) {
            for (String d : copyDestinations) {
                if (d.equals(path) || d.endsWith("/") && path.startsWith(d) && !path.substring(d.length()).contains("/")) {
                    return true;
                }
            }
            return false;
        }
    }

}
