package dev.ferry.deploy.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.flink.configuration.MemorySize;

/**
 * The checks the Flink Kubernetes Operator 1.10 runs when a new FlinkDeployment is admitted (its
 * {@code DefaultValidator}), re-implemented here because that operator jar is not in the Maven
 * repository reachable here (only its API jar is; the main jar only up to 1.7.0). Messages follow the operator's. Only what applies to a first deployment:
 * spec-change rules need the previous spec.
 *
 * <p>One difference on purpose: the operator 1.10 is built on Flink 1.19 and reads the checkpoint and
 * savepoint directories under their 1.19 keys ({@code state.checkpoints.dir},
 * {@code state.savepoints.dir}); a manifest using only the 1.20 names
 * ({@code execution.checkpointing.dir}, {@code execution.checkpointing.savepoint-dir}) is rejected by it,
 * so it is rejected here too.
 */
final class OperatorRules {
    static final String CHECKPOINTS_DIR_KEY = "state.checkpoints.dir";
    static final String SAVEPOINTS_DIR_KEY = "state.savepoints.dir";
    private static final Pattern DEPLOYMENT_NAME = Pattern.compile("[a-z]([-a-z\\d]{0,43}[a-z\\d])?");
    private static final List<String> FORBIDDEN_KEYS =
            List.of("kubernetes.namespace", "kubernetes.cluster-id", "high-availability.cluster-id");
    private static final Set<String> LOG_CONFIG_KEYS = Set.of("log4j-console.properties", "logback-console.xml");

    private OperatorRules() {}

    static List<String> check(JsonNode deployment) {
        List<String> problems = new ArrayList<>();
        JsonNode spec = deployment.path("spec");
        Map<String, String> conf = ManifestValidator.flinkConfiguration(deployment);
        String name = deployment.path("metadata").path("name").asText("");
        if (!DEPLOYMENT_NAME.matcher(name).matches()) {
            problems.add("The FlinkDeployment name: " + name + " is invalid, must consist of lower case alphanumeric"
                    + " characters or '-', start with an alphabetic character, and end with an alphanumeric character,"
                    + " and the length must be no more than 45 characters.");
        }
        if (!spec.hasNonNull("flinkVersion")) {
            problems.add("Flink Version must be defined.");
        }
        for (String key : FORBIDDEN_KEYS) {
            if (conf.containsKey(key)) {
                problems.add("Forbidden Flink config key: " + key);
            }
        }
        boolean ha = haActivated(conf);
        if (Boolean.parseBoolean(conf.getOrDefault("kubernetes.operator.deployment.rollback.enabled", "false")) && !ha) {
            problems.add("HA must be enabled for rollback support.");
        }
        spec.path("logConfiguration").fieldNames().forEachRemaining(k -> {
            if (!LOG_CONFIG_KEYS.contains(k)) {
                problems.add("Invalid log config key: " + k + ". Allowed keys are " + LOG_CONFIG_KEYS);
            }
        });
        JsonNode job = spec.path("job");
        if (!job.isMissingNode()) {
            String upgradeMode = job.path("upgradeMode").asText("stateless");
            if (!upgradeMode.equals("stateless") && blank(conf.get(CHECKPOINTS_DIR_KEY))) {
                problems.add("Checkpoint directory[" + CHECKPOINTS_DIR_KEY
                        + "] must be defined for last-state and savepoint upgrade modes"
                        + also1_20Name(conf, "execution.checkpointing.dir", CHECKPOINTS_DIR_KEY));
            }
            if (blank(conf.get(SAVEPOINTS_DIR_KEY))) {
                String why = upgradeMode.equals("savepoint") ? "Job could not be upgraded with savepoint while config key["
                        : job.hasNonNull("savepointTriggerNonce")
                                ? "Savepoint could not be manually triggered for the running job while config key["
                                : conf.containsKey("kubernetes.operator.periodic.savepoint.interval")
                                        ? "Periodic savepoints cannot be enabled when config key["
                                        : conf.containsKey("kubernetes.operator.job.upgrade.last-state.max.allowed.checkpoint.age")
                                                ? "In order to use max-checkpoint age functionality config key["
                                                : null;
                if (why != null) {
                    problems.add(why + SAVEPOINTS_DIR_KEY + "] is not set"
                            + also1_20Name(conf, "execution.checkpointing.savepoint-dir", SAVEPOINTS_DIR_KEY));
                }
            }
            JsonNode tmReplicas = spec.path("taskManager").path("replicas");
            if (tmReplicas.isNumber() && tmReplicas.asInt() < 1) {
                problems.add("TaskManager replicas must be larger than 0");
            } else if (!tmReplicas.isNumber() && job.path("parallelism").asInt(0) < 1) {
                problems.add("Job parallelism must be larger than 0");
            }
            if (!job.path("state").asText("running").equals("running")) {
                problems.add("Job must start in running state");
            }
        }
        checkComponent("JobManager", spec.path("jobManager"), conf, "jobmanager", problems);
        checkComponent("TaskManager", spec.path("taskManager"), conf, "taskmanager", problems);
        JsonNode jmReplicas = spec.path("jobManager").path("replicas");
        if (jmReplicas.isNumber()) {
            if (jmReplicas.asInt() < 1) {
                problems.add("JobManager replicas should not be configured less than one.");
            } else if (jmReplicas.asInt() > 1 && !ha) {
                problems.add("High availability should be enabled when starting standby JobManagers.");
            }
        }
        if (!spec.hasNonNull("serviceAccount")) {
            problems.add("spec.serviceAccount must be defined. If you use helm, its value should be the same with the"
                    + " name of jobServiceAccount.");
        }
        return problems;
    }

    private static void checkComponent(String component, JsonNode spec, Map<String, String> conf, String prefix,
            List<String> problems) {
        JsonNode resource = spec.path("resource");
        String memory = resource.path("memory").asText("");
        if (memory.isBlank()) {
            if (!conf.containsKey(prefix + ".memory.process.size") && !conf.containsKey(prefix + ".memory.flink.size")) {
                problems.add(component + " resource memory must be defined using `spec." + prefix.replace("manager", "Manager")
                        + ".resource.memory`");
            }
        } else if (!parsesAsMemory(memory)) {
            problems.add(component + " resource memory parse error: '" + memory + "'");
        }
        String storage = resource.path("ephemeralStorage").asText("");
        if (!storage.isBlank()) {
            try {
                Quantity.getAmountInBytes(Quantity.parse(storage));
            } catch (IllegalArgumentException e) {
                problems.add(component + " resource ephemeral storage parse error: " + e.getMessage());
            }
        }
        JsonNode replicas = spec.path("replicas");
        if (component.equals("TaskManager") && replicas.isNumber() && replicas.asInt() < 1) {
            problems.add("TaskManager replicas should not be configured less than one.");
        }
    }

    /** Flink's size syntax (2048m, 2g) or a Kubernetes quantity (2Gi), as the operator accepts both. */
    static boolean parsesAsMemory(String memory) {
        try {
            MemorySize.parse(memory);
            return true;
        } catch (IllegalArgumentException flinkSyntax) {
            try {
                Quantity.getAmountInBytes(Quantity.parse(memory));
                return true;
            } catch (IllegalArgumentException k8sSyntax) {
                return false;
            }
        }
    }

    static boolean haActivated(Map<String, String> conf) {
        String mode = conf.getOrDefault("high-availability.type", conf.getOrDefault("high-availability", "NONE"));
        return !mode.isBlank() && !mode.toUpperCase(Locale.ROOT).equals("NONE");
    }

    private static String also1_20Name(Map<String, String> conf, String newKey, String oldKey) {
        return conf.containsKey(newKey)
                ? " (" + newKey + " is set, but the operator 1.10 is built on Flink 1.19 and reads only " + oldKey + ")"
                : "";
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
