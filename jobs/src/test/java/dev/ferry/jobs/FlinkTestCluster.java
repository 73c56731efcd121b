package dev.ferry.jobs;

import dev.ferry.testing.LocalServers;
import java.util.Map;

/**
 * The local session cluster of {@code deploy/local/flink.sh} as real processes, on its own port and
 * state directory so tests never disturb a cluster a developer runs on the default port.
 */
public final class FlinkTestCluster {
    public static final int PORT = Integer.parseInt(System.getenv().getOrDefault("FERRY_TEST_FLINK_PORT", "18091"));
    private static final Map<String, String> ENV = Map.of(
            "FERRY_FLINK_PORT", String.valueOf(PORT),
            "FERRY_LOCAL_HOME", LocalServers.localHome().resolve("test-cluster").toString());

    private FlinkTestCluster() {}

    public static String url() {
        return "http://127.0.0.1:" + PORT;
    }

    public static void start() {
        LocalServers.runScript(ENV, "deploy/local/flink.sh", "start");
    }

    public static void stop() {
        LocalServers.runScript(ENV, "deploy/local/flink.sh", "stop");
    }

    /** kill -9 of the TaskManager process: every task on it is lost at once. */
    public static void killTaskManager() {
        LocalServers.runScript(ENV, "deploy/local/flink.sh", "kill-taskmanager");
    }

    public static void startTaskManager() {
        LocalServers.runScript(ENV, "deploy/local/flink.sh", "start-taskmanager");
    }
}
