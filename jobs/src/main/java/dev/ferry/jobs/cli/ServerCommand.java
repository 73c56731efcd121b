package dev.ferry.jobs.cli;

import dev.ferry.jobs.control.PipeControl;
import dev.ferry.operators.PipeSetupException;
import dev.ferry.jobs.server.AlertNotice;
import dev.ferry.jobs.server.AlertSettings;
import dev.ferry.jobs.server.ApiTokens;
import dev.ferry.jobs.server.FerryServer;
import dev.ferry.jobs.server.PipeWatcher;
import dev.ferry.jobs.server.ServerFlink;
import dev.ferry.jobs.server.WebhookNotifier;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ferry server}: the console and REST API, the pipe watcher and its alerts, and (by default)
 * an embedded Flink for the pipes created through it, until stopped.
 */
@Command(name = "server", description = "Serve the console (/), the REST API (/api, described by /api/openapi.json)"
        + " and metrics (/metrics) for every pipe of the catalog, watch them and send alerts to webhooks; pipes"
        + " created here run on the server's own Flink unless --flink names a cluster.")
final class ServerCommand implements Callable<Integer> {
    private static final String EMBEDDED = "embedded";
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    @Mixin
    ControlOptions options;

    @Option(names = "--listen", defaultValue = "127.0.0.1:18200",
            description = "host:port to listen on; other than loopback, FERRY_SERVER_TOKENS must hold bearer tokens"
                    + " (name=token,...). Default: ${DEFAULT-VALUE}")
    String listen;

    @Option(names = "--flink", defaultValue = EMBEDDED, description = "Flink REST URL that pipes created here run on,"
            + " or '" + EMBEDDED + "': a Flink inside the server (web UI on --embedded-flink-port) whose pipes go on"
            + " from their last checkpoints when the server starts again. Default: ${DEFAULT-VALUE}")
    String flink;

    @Option(names = "--embedded-flink-port", defaultValue = "18201", description = "Port of the embedded Flink's REST"
            + " API and web UI. Default: ${DEFAULT-VALUE}")
    int embeddedFlinkPort;

    @Option(names = "--embedded-flink-slots", defaultValue = "16", description = "Task slots of the embedded Flink"
            + " (a pipe takes one per table being copied, plus a few). Default: ${DEFAULT-VALUE}")
    int embeddedFlinkSlots;

    @Option(names = "--state-dir", defaultValue = ".local/server", description = "Where the embedded Flink keeps"
            + " checkpoints and savepoints. Default: ${DEFAULT-VALUE}")
    Path stateDir;

    @Option(names = "--watch-seconds", defaultValue = "5", description = "How often every pipe is looked at."
            + " Default: ${DEFAULT-VALUE}")
    int watchSeconds;

    @Option(names = "--webhook", description = "URL that gets alerts as generic JSON (repeatable)")
    List<URI> webhooks = new ArrayList<>();

    @Option(names = "--slack-webhook", description = "Slack incoming-webhook URL that gets alerts (repeatable)")
    List<URI> slackWebhooks = new ArrayList<>();

    @Option(names = "--alert-lag-seconds", defaultValue = "300", description = "Alert when a pipe's replication lag"
            + " stays over this many seconds for --alert-lag-minutes. Default: ${DEFAULT-VALUE}")
    double lagSeconds;

    @Option(names = "--alert-lag-minutes", defaultValue = "5", description = "How long the lag must last before the"
            + " alert. Default: ${DEFAULT-VALUE}")
    long lagMinutes;

    @Option(names = "--alert-slot-wal-mb", defaultValue = "5000", description = "Alert when a pipe's slot retains more"
            + " WAL than this. Default: ${DEFAULT-VALUE}")
    long slotWalMb;

    @Option(names = "--alert-retrying-minutes", defaultValue = "10", description = "Alert when Flink has been"
            + " restarting a pipe's job for this long. Default: ${DEFAULT-VALUE}")
    long retryingMinutes;

    @Override
    public Integer call() throws Exception {
        InetSocketAddress address;
        ApiTokens tokens;
        AlertSettings alerts;
        List<WebhookNotifier> notifiers = new ArrayList<>();
        try {
            int colon = listen.lastIndexOf(':');
            if (colon <= 0 || watchSeconds < 1 || embeddedFlinkSlots < 1) {
                throw new IllegalArgumentException("--listen takes host:port, --watch-seconds and"
                        + " --embedded-flink-slots at least 1");
            }
            if (!flink.equals(EMBEDDED) && !flink.matches("https?://\\S+")) {
                throw new IllegalArgumentException("--flink takes a Flink REST URL (http://host:port) or " + EMBEDDED);
            }
            address = new InetSocketAddress(listen.substring(0, colon), Integer.parseInt(listen.substring(colon + 1)));
            String pairs = System.getenv("FERRY_SERVER_TOKENS");
            tokens = pairs == null || pairs.isBlank() ? ApiTokens.none() : ApiTokens.parse(pairs);
            alerts = new AlertSettings(lagSeconds, Duration.ofMinutes(lagMinutes), slotWalMb * 1024 * 1024,
                    Duration.ofMinutes(retryingMinutes));
            webhooks.forEach(u -> notifiers.add(new WebhookNotifier(u, WebhookNotifier.Format.GENERIC)));
            slackWebhooks.forEach(u -> notifiers.add(new WebhookNotifier(u, WebhookNotifier.Format.SLACK)));
        } catch (IllegalArgumentException e) {
            throw new PipeSetupException("ferry server: " + e.getMessage());
        }
        Consumer<AlertNotice> notify = n -> notifiers.forEach(w -> w.send(n));
        PipeControl control = options.open();
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        // The JVM ends once its shutdown hooks return: this one waits until the server and its Flink are closed.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.countDown();
            try {
                stopped.await(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        try (ServerFlink own = flink.equals(EMBEDDED) ? startFlink() : null) {
            String pipesRunOn = own == null ? flink : own.url();
            if (own != null) {
                own.recover(control).forEach(System.out::println);
            }
            PipeWatcher watcher = new PipeWatcher(control, alerts, notify, Clock.systemUTC());
            try (FerryServer server = open(address, tokens, control, watcher, pipesRunOn)) {
                server.start();
                watcher.start(Duration.ofSeconds(watchSeconds));
                System.out.printf("ferry server on http://%s:%d (API /api, OpenAPI /api/openapi.json, metrics /metrics),"
                        + " %s, %d webhook%s; new pipes run on %s%s%n", server.address().getHostString(),
                        server.address().getPort(), tokens.isEmpty() ? "no tokens (loopback only)" : "bearer tokens required",
                        notifiers.size(), notifiers.size() == 1 ? "" : "s",
                        own == null ? "" : "the embedded Flink, web UI ", pipesRunOn);
                stop.await();
            }
        } finally {
            stopped.countDown();
        }
        return 0;
    }

    private ServerFlink startFlink() throws Exception {
        try {
            return ServerFlink.start(stateDir, embeddedFlinkPort, embeddedFlinkSlots);
        } catch (IllegalStateException e) {
            throw new PipeSetupException("ferry server: " + e.getMessage() + "; choose another --embedded-flink-port,"
                    + " or run pipes on a cluster with --flink URL");
        }
    }

    private static FerryServer open(InetSocketAddress address, ApiTokens tokens, PipeControl control, PipeWatcher watcher,
            String pipesRunOn) throws java.io.IOException {
        try {
            return new FerryServer(address, tokens, control, watcher, pipesRunOn);
        } catch (IllegalArgumentException e) {
            throw new PipeSetupException("ferry server: " + e.getMessage());
        }
    }
}
