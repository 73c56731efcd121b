package dev.ferry.jobs.server;

import dev.ferry.jobs.control.PipeControl;
import dev.ferry.jobs.control.PipeStatus;
import dev.ferry.operators.clickhouse.ClickHousePipeCatalog.Sample;
import dev.ferry.state.lifecycle.PipeEntry;
import dev.ferry.state.lifecycle.PipeState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows every pipe of the catalog: each round reads its status, which records a job that failed
 * or vanished as Failed with its cause (so nobody has to run a command to find out), keeps the
 * latest status for the API and the metrics, and turns the alert conditions into notices.
 */
public final class PipeWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PipeWatcher.class);

    private final PipeControl control;
    private final AlertSettings settings;
    private final Consumer<AlertNotice> notices;
    private final Clock clock;
    private final AlertTracker tracker = new AlertTracker();
    private final Map<String, PipeStatus> latest = new ConcurrentHashMap<>();
    private final Map<String, PipeSeries> series = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ferry-pipe-watcher");
        t.setDaemon(true);
        return t;
    });

    public PipeWatcher(PipeControl control, AlertSettings settings, Consumer<AlertNotice> notices, Clock clock) {
        this.control = control;
        this.settings = settings;
        this.notices = notices;
        this.clock = clock;
    }

    /** Watches every {@code every} from now on. */
    public void start(Duration every) {
        timer.scheduleWithFixedDelay(this::watchOnce, 0, every.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One round over every pipe; a pipe whose status cannot be read now is tried again next round. */
    public synchronized void watchOnce() {
        Set<String> seen = new HashSet<>();
        List<PipeEntry> pipes;
        try {
            pipes = control.list();
        } catch (RuntimeException e) {
            LOG.warn("cannot read the pipe catalog: {}", e.getMessage());
            return;
        }
        List<Sample> round = new ArrayList<>();
        for (PipeEntry e : pipes) {
            seen.add(e.name());
            try {
                PipeStatus status = PipeStatus.of(control, e.name());
                latest.put(e.name(), status);
                Instant now = clock.instant();
                round.add(series.computeIfAbsent(e.name(), this::recorded).add(now, status));
                evaluate(status, now);
            } catch (Exception ex) {
                LOG.warn("pipe {}: cannot read its status: {}", e.name(), ex.getMessage());
            }
        }
        try {
            control.catalog().recordSamples(round);
        } catch (RuntimeException ex) {
            LOG.warn("cannot record this round's samples in the pipe catalog: {}", ex.getMessage());
        }
        for (String gone : List.copyOf(latest.keySet())) {
            if (!seen.contains(gone)) {
                latest.remove(gone);
                series.remove(gone);
                tracker.forget(gone);
            }
        }
    }

    /** The pipe's samples an earlier server recorded (none when they cannot be read: the charts start now). */
    private PipeSeries recorded(String pipe) {
        try {
            return new PipeSeries(control.catalog().samples(pipe, PipeSeries.KEEP));
        } catch (RuntimeException ex) {
            LOG.warn("pipe {}: cannot read its recorded samples: {}", pipe, ex.getMessage());
            return new PipeSeries(List.of());
        }
    }

    /** The latest status of each pipe, as last watched. */
    public Map<String, PipeStatus> latest() {
        return Map.copyOf(latest);
    }

    /** The pipe's lag and row counts over the last rounds, oldest first. */
    public List<Sample> series(String pipe) {
        PipeSeries s = series.get(pipe);
        return s == null ? List.of() : s.samples();
    }

    private void evaluate(PipeStatus s, Instant now) {
        String pipe = s.pipe();
        String failure = s.state() != PipeState.FAILED ? "now " + s.state().label()
                : s.lastError().isEmpty() ? s.reason() : s.lastError();
        send(tracker.observe(pipe, PipeAlert.FAILED, s.state() == PipeState.FAILED, Duration.ZERO, failure, now));
        Double lag = s.replication().map(r -> r.lagSeconds()).orElse(null);
        boolean lagging = lag != null && lag > settings.lagSeconds() && s.state() == PipeState.RUNNING;
        send(tracker.observe(pipe, PipeAlert.LAG, lagging, settings.lagFor(),
                lag == null ? "" : String.format("lag %.1f s (alert over %.1f s)", lag, settings.lagSeconds()), now));
        long retained = s.replication().map(r -> r.retainedBytes()).orElse(0L);
        send(tracker.observe(pipe, PipeAlert.SLOT_WAL, retained > settings.slotWalBytes(), Duration.ZERO,
                String.format("slot %s retains %,d MB of WAL (alert over %,d MB)",
                        s.replication().map(r -> r.slot()).orElse("?"), retained >> 20, settings.slotWalBytes() >> 20), now));
        Optional<String> retrying = retrying(s);
        send(tracker.observe(pipe, PipeAlert.RETRYING, retrying.isPresent(), settings.retryingFor(),
                retrying.orElse(""), now));
    }

    /** The cause Flink restarts the job for, while it does. */
    static Optional<String> retrying(PipeStatus s) {
        if (s.health().isEmpty()) {
            return Optional.empty();
        }
        var h = s.health().get();
        boolean restarting = "RESTARTING".equals(s.jobState()) || (!h.allRunning() && !h.lastFailure().isEmpty());
        return restarting ? Optional.of("retrying since " + h.lastFailureAt() + ": " + h.lastFailure()) : Optional.empty();
    }

    private void send(Optional<AlertNotice> notice) {
        notice.ifPresent(n -> {
            LOG.info("alert: {}", n.text());
            notices.accept(n);
        });
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
