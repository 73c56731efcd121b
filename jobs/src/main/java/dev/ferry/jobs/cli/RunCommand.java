package dev.ferry.jobs.cli;

import com.clickhouse.client.api.Client;
import dev.ferry.jobs.PipeEnvironment;
import dev.ferry.jobs.PipeGraph;
import dev.ferry.jobs.PipeRuns;
import dev.ferry.jobs.PipeSource;
import dev.ferry.jobs.control.FlinkRestClient;
import dev.ferry.jobs.local.EmbeddedFlink;
import dev.ferry.jobs.local.LocalPipeState;
import dev.ferry.operators.clickhouse.ClickHouseConnections;
import dev.ferry.operators.clickhouse.ClickHouseStatusTables;
import dev.ferry.state.lifecycle.PipeState;
import dev.ferry.state.lifecycle.PipeTransitions;
import dev.ferry.state.spec.DestinationOptions;
import dev.ferry.state.spec.PipeSpec;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import sun.misc.Signal;

/**
 * {@code ferry run <spec.yaml>}: sets the pipe up and runs it on an embedded Flink (web UI on
 * localhost), printing durable progress per table. Exits 0 when the pipe is Completed. Its
 * checkpoints are kept under {@code --state-dir}: Ctrl-C (or SIGTERM) stops it with a savepoint and
 * records Paused, and the next run of the same spec resumes from the newest savepoint or checkpoint
 * (also after the process was killed), without reading any table again.
 */
@Command(name = "run", description = "Run a pipe on an embedded Flink, with the web UI, until it completes.")
final class RunCommand implements Callable<Integer> {
    private static final long STATUS_POLL_MILLIS = 200;

    @Parameters(index = "0", description = "Pipe spec (YAML).")
    Path spec;

    @Option(names = "--web-ui-port", defaultValue = "8081", description = "Port of the Flink web UI (default 8081).")
    int webUiPort;

    @Option(names = "--progress-every", defaultValue = "2", description = "Seconds between progress lines.")
    int progressSeconds;

    @Option(names = "--state-dir", defaultValue = ".local/state",
            description = "Where checkpoints and savepoints are kept between runs (default .local/state).")
    Path stateDir;

    @Override
    public Integer call() throws Exception {
        PipeSpec pipe = SpecFiles.read(spec);
        LocalPipeState saved = new LocalPipeState(stateDir, pipe.name());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        PipeEnvironment.apply(env, pipe);
        env.getCheckpointConfig().setCheckpointStorage(saved.checkpoints());
        env.getCheckpointConfig().setExternalizedCheckpointRetention(ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        // Flink starts while the pipe is set up (two seconds of a short run, each): with the most slots a run can take.
        int maxSlots = PipeGraph.maxSlots(pipe);
        CompletableFuture<EmbeddedFlink> starting = EmbeddedFlink.startInBackground(maxSlots, webUiPort);
        int slots;
        StreamGraph graph;
        try {
            slots = PipeSource.of(pipe).build(env, pipe, PipeRuns.first(pipe), true);
            graph = env.getStreamGraph();
        } catch (Exception | Error e) {
            EmbeddedFlink.discard(starting);
            throw e;
        }
        if (slots > maxSlots) {
            EmbeddedFlink.discard(starting);
            throw new IllegalStateException("the job needs " + slots + " slots, more than the " + maxSlots + " planned");
        }
        graph.setJobName("ferry " + pipe.name());
        Optional<Path> resumeFrom = saved.latest();
        resumeFrom.ifPresent(p -> graph.setSavepointRestoreSettings(SavepointRestoreSettings.forPath(p.toString(), false)));

        ClickHouseConnections destination = new ClickHouseConnections(pipe.destination());
        try (EmbeddedFlink flink = EmbeddedFlink.started(starting);
                Client client = destination.open()) {
            ClickHouseStatusTables status =
                    new ClickHouseStatusTables(client, pipe.destination().get(DestinationOptions.STATUS_DATABASE));
            JobID job = flink.submit(graph);
            if (resumeFrom.isPresent() && lastState(status, pipe) == PipeState.PAUSED) {
                status.recordState(pipe.name(), PipeState.PAUSED, status.pausedFrom(pipe.name()), "ferry run resumed");
            }
            System.out.println("pipe " + pipe.name() + " running as Flink job " + job + "; web UI " + flink.webUi()
                    + resumeFrom.map(p -> "; resumed from " + p).orElse(""));
            CompletableFuture<String> paused = new CompletableFuture<>();
            AtomicBoolean stopping = new AtomicBoolean();
            onStopSignal(stopping, () -> pause(flink, job, status, pipe, saved, paused));
            ProgressPrinter printer = new ProgressPrinter(status, pipe.name(), System.out, System.currentTimeMillis());
            JobStatus jobStatus;
            Instant failureShown = null;
            long nextLine = System.currentTimeMillis() + progressSeconds * 1000L;
            do {
                // The job's end is noticed within a moment, not at the next progress line.
                Thread.sleep(STATUS_POLL_MILLIS);
                jobStatus = flink.status(job);
                if (!jobStatus.isGloballyTerminalState() && !stopping.get() && System.currentTimeMillis() < nextLine) {
                    continue;
                }
                nextLine = System.currentTimeMillis() + progressSeconds * 1000L;
                String now = LocalTime.now().truncatedTo(ChronoUnit.SECONDS).toString();
                var failure = flink.latestFailure(job);
                if (failure.isPresent() && (jobStatus == JobStatus.RESTARTING || !failure.get().getKey().equals(failureShown))) {
                    // Flink restarts the job from its last checkpoint by itself; say why it is retrying.
                    failureShown = failure.get().getKey();
                    System.out.println(now + " retrying since " + failureShown + ": "
                            + FlinkRestClient.rootMessage(failure.get().getValue()));
                }
                try {
                    System.out.println(now + " " + lastState(status, pipe) + " (Flink job " + jobStatus + ")");
                    printer.print(System.currentTimeMillis());
                } catch (RuntimeException e) {
                    // The pipe rides out a destination outage by itself; so does its progress display.
                    System.out.println(now + " status unavailable (" + FlinkRestClient.rootMessage(String.valueOf(
                            e.getMessage())) + "); Flink job " + jobStatus);
                }
            } while (!jobStatus.isGloballyTerminalState() && !stopping.get());
            if (stopping.get()) {
                System.out.println("pipe " + pipe.name() + " is Paused (savepoint " + paused.get() + "); run the same"
                        + " spec again to resume");
                return 0;
            }

            JobResult result = flink.result(job);
            PipeState state = lastState(status, pipe);
            if (result.isSuccess() && state == PipeState.COMPLETED) {
                saved.clear();
                System.out.println("pipe " + pipe.name() + " is Completed");
                return 0;
            }
            String reason = result.getSerializedThrowable()
                    .map(t -> FlinkRestClient.rootMessage(t.getFullStringifiedStackTrace()))
                    .orElse("job ended " + jobStatus + " in state " + state);
            if (PipeTransitions.isAllowed(state, PipeState.FAILED)) {
                status.recordState(pipe.name(), state, PipeState.FAILED, reason);
            }
            System.err.println("ferry: pipe " + pipe.name() + " failed: " + reason + " (its state is kept in "
                    + saved.root() + ")");
            return Ferry.FAILED;
        }
    }

    /** Ctrl-C and SIGTERM pause the pipe instead of ending the process mid-write. */
    private static void onStopSignal(AtomicBoolean stopping, Runnable pause) {
        for (String name : new String[] {"INT", "TERM"}) {
            Signal.handle(new Signal(name), signal -> {
                if (stopping.compareAndSet(false, true)) {
                    new Thread(pause, "ferry-pause").start();
                }
            });
        }
    }

    private static void pause(EmbeddedFlink flink, JobID job, ClickHouseStatusTables status, PipeSpec pipe,
            LocalPipeState saved, CompletableFuture<String> paused) {
        System.out.println("pausing pipe " + pipe.name() + " (savepoint under " + saved.root() + ")...");
        try {
            PipeState state = lastState(status, pipe);
            if (PipeTransitions.isAllowed(state, PipeState.PAUSING)) {
                status.recordState(pipe.name(), state, PipeState.PAUSING, "ferry run stopped");
            }
            String savepoint = flink.stopWithSavepoint(job, saved.savepoints());
            status.recordState(pipe.name(), PipeState.PAUSING, PipeState.PAUSED, "savepoint " + savepoint);
            paused.complete(savepoint);
        } catch (Exception e) {
            System.err.println("ferry: pausing failed (" + FlinkRestClient.rootMessage(String.valueOf(e.getMessage()))
                    + "); the next run resumes from the last checkpoint");
            Runtime.getRuntime().halt(Ferry.FAILED);
        }
    }

    private static PipeState lastState(ClickHouseStatusTables status, PipeSpec pipe) {
        return status.lastState(pipe.name()).orElse(PipeState.PROVISIONING);
    }
}
