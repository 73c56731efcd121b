package dev.ferry.chdb;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ferry's local ClickHouse: the ClickHouse HTTP interface on loopback, served by the real engine
 * (chDB's libchdb.so) in this process. For development and tests only.
 *
 * <pre>
 * LD_PRELOAD=$JAVA_HOME/lib/libjsig.so java -jar ferry-chdb-server.jar \
 *     --libchdb PATH --data DIR [--port 8123] [--connections 8] [--user default] [--setting NAME=VALUE]...
 *     [--config-file PATH]
 * </pre>
 *
 * {@code --config-file} is the engine's own configuration (clickhouse-local's {@code --config-file}):
 * ZooKeeper, macros, remote_servers, and the like.
 *
 * The password is read from {@code FERRY_CLICKHOUSE_PASSWORD} (empty when unset), so that it does
 * not show in the process list. SIGTERM stops the server cleanly.
 */
public final class ChdbHttpServer {
    static {
        // Our own name, so that a log4j2.xml of another jar on a shared classpath is not picked up.
        if (System.getProperty("log4j2.configurationFile") == null) {
            System.setProperty("log4j2.configurationFile", "log4j2-chdb-server.xml");
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(ChdbHttpServer.class);

    private ChdbHttpServer() {
    }

    record Config(Path libchdb, Path dataDir, int port, int connections, String user, String password,
                  Map<String, String> profile, Path configFile) {

        static Config parse(String[] args, Map<String, String> env) {
            Path libchdb = null;
            Path data = null;
            int port = 8123;
            int connections = 8;
            String user = "default";
            Path configFile = null;
            Map<String, String> profile = new LinkedHashMap<>();
            for (int i = 0; i < args.length; i++) {
                String option = args[i];
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("Missing value for " + option);
                }
                String value = args[++i];
                switch (option) {
                    case "--libchdb" -> libchdb = Path.of(value);
                    case "--data" -> data = Path.of(value);
                    case "--port" -> port = Integer.parseInt(value);
                    case "--connections" -> connections = Integer.parseInt(value);
                    case "--user" -> user = value;
                    case "--config-file" -> configFile = Path.of(value);
                    case "--setting" -> {
                        int eq = value.indexOf('=');
                        if (eq <= 0) {
                            throw new IllegalArgumentException("--setting wants NAME=VALUE, got " + value);
                        }
                        profile.put(value.substring(0, eq), value.substring(eq + 1));
                    }
                    default -> throw new IllegalArgumentException("Unknown option " + option);
                }
            }
            if (libchdb == null || data == null) {
                throw new IllegalArgumentException("--libchdb and --data are required");
            }
            if (connections < 1) {
                throw new IllegalArgumentException("--connections must be at least 1");
            }
            return new Config(libchdb, data, port, connections, user,
                    env.getOrDefault("FERRY_CLICKHOUSE_PASSWORD", ""), profile, configFile);
        }
    }

    public static void main(String[] args) throws IOException {
        Config config;
        try {
            config = Config.parse(args, System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println("usage: ChdbHttpServer --libchdb PATH --data DIR [--port N] [--connections N]"
                    + " [--user NAME] [--setting NAME=VALUE]... [--config-file PATH]   (password: $FERRY_CLICKHOUSE_PASSWORD)");
            System.exit(2);
            return;
        }
        ChdbEngine engine = ChdbEngine.start(config.libchdb(), config.dataDir(), config.configFile(),
                config.connections(), config.profile());
        HttpServer server;
        ExecutorService executor = Executors.newCachedThreadPool(new NamedThreads());
        try {
            InsertStaging staging = new InsertStaging(config.dataDir().resolve("ferry_staging"));
            // Headers, body and final chunk go out as separate small writes: with Nagle's algorithm
            // each response would wait for the client's delayed ACK (40 ms).
            System.setProperty("sun.net.httpserver.nodelay", "true");
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), config.port()), 128);
            server.createContext("/", new QueryHandler(engine, staging, config.user(), config.password()));
            server.setExecutor(executor);
            server.start();
        } catch (IOException | RuntimeException e) {
            // An open engine connection keeps the process from exiting.
            engine.close();
            throw e;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("Stopping");
            server.stop(1);
            executor.shutdown();
            engine.close();
            LOG.info("Stopped");
        }, "shutdown"));
        LOG.info("ClickHouse {} HTTP interface on http://{}:{} (data {}, {} engine connections, user {}{})",
                engine.version(), server.getAddress().getHostString(), server.getAddress().getPort(),
                config.dataDir(), config.connections(), config.user(),
                config.password().isEmpty() ? ", no password" : "");
    }

    /** Handler threads; query work runs on them, so they are as many as concurrent requests. */
    private static final class NamedThreads implements java.util.concurrent.ThreadFactory {
        private final AtomicInteger count = new AtomicInteger();

        @Override
        public Thread newThread(Runnable task) {
            Thread thread = new Thread(task, "http-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        }
    }
}
