package dev.ferry.chdb;

import com.clickhouse.client.api.Client;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The server under test, as its own process, started the way deploy/local/clickhouse.sh starts
 * it (LD_PRELOAD libjsig, the module's runtime classpath only) on a free port and a temporary
 * data directory. The engine comes from deploy/local/chdb-fetch.sh.
 */
final class LocalClickHouse implements AutoCloseable {
    static final String PASSWORD = "s3cret, with spaces & symbols";

    private final Process process;
    private final Path dataDir;
    private final Path log;
    private final int port;
    private final String password;

    private LocalClickHouse(String password) throws IOException, InterruptedException {
        this.password = password;
        this.dataDir = Files.createTempDirectory("chdb-server-test");
        this.port = freePort();
        this.log = Path.of("target", "chdb-server-" + port + ".log").toAbsolutePath();
        Path javaHome = Path.of(System.getProperty("java.home"));
        List<String> command = new ArrayList<>(List.of(javaHome.resolve("bin/java").toString(),
                "-cp", System.getProperty("chdb.server.classpath"), ChdbHttpServer.class.getName(),
                "--libchdb", fetchEngine().toString(), "--data", dataDir.toString(), "--port", Integer.toString(port),
                "--connections", "8"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("LD_PRELOAD", javaHome.resolve("lib/libjsig.so").toString());
        builder.environment().put("FERRY_CLICKHOUSE_PASSWORD", password);
        builder.environment().put("FERRY_CHDB_LOG_LEVEL", "debug");
        process = builder.start();
        awaitPing();
    }

    static LocalClickHouse start(String password) {
        if (Boolean.getBoolean("ferry.tests.unit")) {
            // mvn test runs unit tests alone; tests that start a server are *IT (mvn verify)
            throw new IllegalStateException("a unit test asked for a server: name the test class *IT");
        }
        try {
            return new LocalClickHouse(password);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    String password() {
        return password;
    }

    Client.Builder clientBuilder() {
        return new Client.Builder().addEndpoint(url() + "/").setUsername("default").setPassword(password);
    }

    Client client() {
        return clientBuilder().build();
    }

    Process process() {
        return process;
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    /** SIGTERM, as clickhouse.sh stop sends; returns the exit code. */
    int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("server did not exit within 30 s of SIGTERM");
        }
        return process.exitValue();
    }

    @Override
    public void close() throws IOException {
        try {
            if (process.isAlive()) {
                stop();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        } finally {
            try (Stream<Path> files = Files.walk(dataDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static Path fetchEngine() throws IOException, InterruptedException {
        Path root = Path.of(System.getProperty("ferry.project.root"));
        ProcessBuilder fetch = new ProcessBuilder(root.resolve("deploy/local/chdb-fetch.sh").toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        fetch.environment().put("FERRY_LOCAL_HOME", System.getProperty("ferry.local.home"));
        Process p = fetch.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("chdb-fetch.sh failed");
        }
        return Path.of(out.substring(out.lastIndexOf('\n') + 1));
    }

    private void awaitPing() throws IOException, InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("server exited with " + process.exitValue() + ":\n" + log());
            }
            try {
                HttpResponse<String> ping = http.send(HttpRequest.newBuilder(URI.create(url() + "/ping")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (ping.statusCode() == 200 && ping.body().equals("Ok.\n")) {
                    return;
                }
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException("server did not answer /ping:\n" + log());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /**
     * Resolves a {@code LocalClickHouse} parameter to one server (with {@link #PASSWORD}) shared
     * by all test classes and stopped when the run ends.
     */
    static final class Shared implements ParameterResolver {
        @Override
        public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
            return parameter.getParameter().getType() == LocalClickHouse.class;
        }

        @Override
        public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
            return context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                    .getOrComputeIfAbsent(LocalClickHouse.class, key -> start(PASSWORD), LocalClickHouse.class);
        }
    }
}
