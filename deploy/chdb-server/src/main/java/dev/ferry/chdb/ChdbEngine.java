package dev.ferry.chdb;

import com.sun.jna.Pointer;
import com.sun.jna.StringArray;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chDB engine in this process and a pool of connections to it. Each connection is a session
 * of its own, so concurrent requests run in parallel without seeing each other's settings.
 */
final class ChdbEngine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ChdbEngine.class);

    /**
     * chDB starts sessions with clickhouse-local's profile. These put back a server's defaults
     * where that profile differs (the rest, e.g. async_insert=1 since 26.2, is the server's too).
     */
    static final Map<String, String> SERVER_PROFILE = Map.of(
            "implicit_select", "0",
            "allow_introspection_functions", "0",
            "storage_file_read_method", "pread");

    private final ChdbLibrary lib;
    private final String[] argv;
    private final Map<String, String> profile;
    /** Never lent out: closing the last connection would shut the engine down. */
    private final ChdbConnection anchor;
    private final BlockingQueue<ChdbConnection> idle = new LinkedBlockingQueue<>();
    private final AtomicInteger open = new AtomicInteger();
    private final String version;
    private final String timezone;
    private final String displayName;
    private volatile boolean closed;

    private ChdbEngine(ChdbLibrary lib, Path dataDir, Path configFile, Map<String, String> profile, int connections) {
        this.lib = lib;
        this.profile = profile;
        List<String> args = new ArrayList<>(List.of("clickhouse", "--path=" + dataDir.toAbsolutePath()));
        if (configFile != null) {
            args.add("--config-file=" + configFile.toAbsolutePath());
        }
        this.argv = args.toArray(String[]::new);
        this.anchor = connect();
        try (ChdbResult info = anchor.query("SELECT version(), timezone(), displayName()"
                .getBytes(StandardCharsets.UTF_8), "TabSeparated", Map.of())) {
            String[] fields = info.text().strip().split("\t");
            this.version = fields[0];
            this.timezone = fields[1];
            this.displayName = fields[2];
            for (int i = 0; i < connections; i++) {
                idle.add(connect());
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Loads libchdb.so and opens the pool. {@code configFile} (may be null) is the engine's
     * configuration, as clickhouse-local reads it; {@code extraProfile} adds server profile settings
     * (like a users.xml profile) on top of {@link #SERVER_PROFILE}.
     */
    static ChdbEngine start(Path libchdb, Path dataDir, Path configFile, int connections,
            Map<String, String> extraProfile) {
        ChdbLibrary lib = ChdbLibrary.load(libchdb);
        // The JVM relies on its own signal handlers (implicit null checks, SIGTERM for shutdown),
        // so connections must not install the engine's. Not enough on its own: the library still
        // needs libjsig preloaded (clickhouse.sh does it), without it the process dies at start.
        lib.chdb_set_signal_handlers_enabled(0);
        Map<String, String> profile = new LinkedHashMap<>(SERVER_PROFILE);
        profile.putAll(extraProfile);
        return new ChdbEngine(lib, dataDir, configFile, Map.copyOf(profile), connections);
    }

    String version() {
        return version;
    }

    String timezone() {
        return timezone;
    }

    String displayName() {
        return displayName;
    }

    /** Borrows a connection; close it to give it back. */
    ChdbConnection acquire(Duration wait) {
        ChdbConnection connection;
        try {
            connection = closed ? null : idle.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            connection = null;
        }
        if (connection == null) {
            throw closed || Thread.currentThread().isInterrupted()
                    ? new ClickHouseError(ClickHouseError.ABORTED, "The server is shutting down")
                    : new ClickHouseError(ClickHouseError.TOO_MANY_SIMULTANEOUS_QUERIES,
                            "All " + (open.get() - 1) + " engine connections stayed busy for " + wait.toSeconds() + " s");
        }
        return connection;
    }

    void release(ChdbConnection connection) {
        if (connection.restore(profile) && !closed) {
            idle.add(connection);
            return;
        }
        disconnect(connection);
        if (closed) {
            return;
        }
        try {
            idle.add(connect());
        } catch (IllegalStateException e) {
            LOG.error("Could not replace an engine connection; the pool shrinks to {}", open.get(), e);
        }
    }

    /**
     * Closes every connection, the anchor last: the process cannot exit while one is open. Lent
     * connections get a few seconds to come back.
     */
    @Override
    public void close() {
        closed = true;
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (open.get() > 1 && System.nanoTime() < deadline) {
            try {
                ChdbConnection connection = idle.poll(100, TimeUnit.MILLISECONDS);
                if (connection != null) {
                    disconnect(connection);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (open.get() > 1) {
            LOG.warn("{} engine connection(s) still busy at shutdown", open.get() - 1);
        }
        disconnect(anchor);
    }

    private ChdbConnection connect() {
        Pointer handle = lib.chdb_connect(argv.length, new StringArray(argv, StandardCharsets.UTF_8.name()));
        if (handle == null) {
            throw new IllegalStateException("chdb_connect failed for " + String.join(" ", argv));
        }
        open.incrementAndGet();
        ChdbConnection connection = new ChdbConnection(this, lib, handle);
        // Settings passed to chdb_connect as --name=value do not reach the session (getSetting shows the
        // defaults), so every connection starts with the profile SET, as a server applies users.xml.
        if (!profile.isEmpty()) {
            connection.execute("SET " + profile.entrySet().stream()
                    .map(e -> e.getKey() + " = " + ChdbConnection.literal(e.getValue()))
                    .collect(java.util.stream.Collectors.joining(", ")));
        }
        return connection;
    }

    private void disconnect(ChdbConnection connection) {
        connection.disconnect();
        open.decrementAndGet();
    }
}
