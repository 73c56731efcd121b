package dev.ferry.testing;

import com.clickhouse.client.api.Client;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A local ZooKeeper ({@code deploy/local/zookeeper.sh}) and two more local ClickHouse instances
 * ({@code deploy/local/clickhouse.sh} with another name, port and an engine configuration file) that
 * share it: replicas {@code r1} and {@code r2} of shard {@code 01}. Each starts from empty data (its
 * directory and ZooKeeper's are wiped first) and {@link #stop()} stops all three.
 *
 * <p>Each engine configuration has {@code <zookeeper>}, {@code <macros>} (shard, replica,
 * {@code cluster=ferry_local}), {@code <distributed_ddl>} and two clusters: {@code ferry_local}, one shard
 * whose only replica is the instance itself ({@code tcp_port} matches, so Distributed tables write to
 * the local table without a network hop; nothing listens on that port), and {@code ferry_replicas},
 * one shard of both instances. Sessions default to {@link #SETTINGS}.
 */
public final class ClickHouseReplicas {
    public static final String LOCAL_CLUSTER = "ferry_local";
    public static final String REPLICAS_CLUSTER = "ferry_replicas";
    /**
     * An insert into a read-only replica retries its Keeper operations first (by default 20 times, backing
     * off up to 10 s: about 2.4 minutes) before it fails; here it fails at once.
     */
    static final String SETTINGS = "insert_keeper_max_retries=0";

    /** One instance: its HTTP URL, and the port its configuration calls its native one. */
    public record Instance(String name, String replica, int httpPort, int tcpPort) {
        public String url() {
            return "http://127.0.0.1:" + httpPort;
        }

        public Client client() {
            return new Client.Builder().addEndpoint(url()).setUsername("default").setPassword("").build();
        }

        Map<String, String> env(Path config) {
            return config == null
                    ? Map.of("FERRY_CLICKHOUSE_NAME", name, "FERRY_CLICKHOUSE_PORT", String.valueOf(httpPort))
                    : Map.of("FERRY_CLICKHOUSE_NAME", name, "FERRY_CLICKHOUSE_PORT", String.valueOf(httpPort),
                            "FERRY_CLICKHOUSE_CONFIG", config.toString(), "FERRY_CLICKHOUSE_SETTINGS", SETTINGS);
        }
    }

    public static final Instance R1 = new Instance("clickhouse-r1", "r1", port("FERRY_CLICKHOUSE_R1_PORT", 18124), 19124);
    public static final Instance R2 = new Instance("clickhouse-r2", "r2", port("FERRY_CLICKHOUSE_R2_PORT", 18125), 19125);

    private ClickHouseReplicas() {}

    public static int zookeeperPort() {
        return port("FERRY_ZOOKEEPER_PORT", 12181);
    }

    /** Starts ZooKeeper and both instances from empty data. */
    public static synchronized void start() {
        stop();
        Path home = LocalServers.localHome();
        wipe(home.resolve("zookeeper"));
        LocalServers.runScript(Map.of(), "deploy/local/zookeeper.sh", "start");
        for (Instance i : List.of(R1, R2)) {
            wipe(home.resolve(i.name()));
            Path config = home.resolve(i.name() + ".xml");
            try {
                Files.writeString(config, config(i));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            LocalServers.runScript(i.env(config), "deploy/local/clickhouse.sh", "start");
        }
    }

    public static synchronized void stop() {
        for (Instance i : List.of(R1, R2)) {
            LocalServers.runScript(i.env(null), "deploy/local/clickhouse.sh", "stop");
        }
        LocalServers.runScript(Map.of(), "deploy/local/zookeeper.sh", "stop");
    }

    static String config(Instance self) {
        return """
                <clickhouse>
                  <!-- Only so that Distributed tables see the instance in its clusters; nothing listens here. -->
                  <tcp_port>%d</tcp_port>
                  <zookeeper>
                    <node><host>127.0.0.1</host><port>%d</port></node>
                  </zookeeper>
                  <macros>
                    <shard>01</shard>
                    <replica>%s</replica>
                    <cluster>%s</cluster>
                  </macros>
                  <distributed_ddl><path>/clickhouse/task_queue/ddl</path></distributed_ddl>
                  <remote_servers>
                    <%s>
                      <shard><replica><host>127.0.0.1</host><port>%d</port></replica></shard>
                    </%s>
                    <%s>
                      <shard>
                        <internal_replication>true</internal_replication>
                        <replica><host>127.0.0.1</host><port>%d</port></replica>
                        <replica><host>127.0.0.1</host><port>%d</port></replica>
                      </shard>
                    </%s>
                  </remote_servers>
                </clickhouse>
                """.formatted(self.tcpPort(), zookeeperPort(), self.replica(), LOCAL_CLUSTER, LOCAL_CLUSTER,
                self.tcpPort(), LOCAL_CLUSTER, REPLICAS_CLUSTER, R1.tcpPort(), R2.tcpPort(), REPLICAS_CLUSTER);
    }

    private static void wipe(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            List<Path> all = new ArrayList<>(files.sorted(Comparator.reverseOrder()).toList());
            for (Path p : all) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int port(String env, int fallback) {
        return Integer.parseInt(System.getenv().getOrDefault(env, String.valueOf(fallback)));
    }
}
