package dev.ferry.jobs.cli;

import com.clickhouse.client.api.Client;
import dev.ferry.jobs.PipeEnvironment;
import dev.ferry.jobs.PipeRuns;
import dev.ferry.jobs.PipeSource;
import dev.ferry.jobs.control.FlinkRestClient;
import dev.ferry.jobs.local.EmbeddedFlink;
import dev.ferry.operators.clickhouse.ClickHouseConnections;
import dev.ferry.operators.clickhouse.ClickHouseStatusTables;
import dev.ferry.state.lifecycle.PipeState;
import dev.ferry.state.lifecycle.PipeTransitions;
import dev.ferry.state.spec.DestinationOptions;
import dev.ferry.state.spec.PipeSpec;
import java.nio.file.Path;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.Callable;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ferry run <spec.yaml>}: sets the pipe up and runs it on an embedded Flink (web UI on
 * localhost), printing durable progress per table. Exits 0 when the pipe is Completed.
 */
@Command(name = "run", description = "Run a pipe on an embedded Flink, with the web UI, until it completes.")
final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "Pipe spec (YAML).")
    Path spec;

    @Option(names = "--web-ui-port", defaultValue = "8081", description = "Port of the Flink web UI (default 8081).")
    int webUiPort;

    @Option(names = "--progress-every", defaultValue = "2", description = "Seconds between progress lines.")
    int progressSeconds;

    @Override
    public Integer call() throws Exception {
        PipeSpec pipe = SpecFiles.read(spec);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        PipeEnvironment.apply(env, pipe);
        int slots = PipeSource.of(pipe).build(env, pipe, PipeRuns.first(pipe), true);

        ClickHouseConnections destination = new ClickHouseConnections(pipe.destination());
        try (EmbeddedFlink flink = EmbeddedFlink.start(slots, webUiPort);
                Client client = destination.open()) {
            ClickHouseStatusTables status =
                    new ClickHouseStatusTables(client, pipe.destination().get(DestinationOptions.STATUS_DATABASE));
            JobID job = flink.submit(env.getStreamGraph());
            System.out.println("pipe " + pipe.name() + " running as Flink job " + job + "; web UI " + flink.webUi());
            ProgressPrinter printer = new ProgressPrinter(status, pipe.name(), System.out, System.currentTimeMillis());
            JobStatus jobStatus;
            do {
                Thread.sleep(progressSeconds * 1000L);
                jobStatus = flink.status(job);
                String now = LocalTime.now().truncatedTo(ChronoUnit.SECONDS).toString();
                try {
                    System.out.println(now + " " + lastState(status, pipe) + " (Flink job " + jobStatus + ")");
                    printer.print(System.currentTimeMillis());
                } catch (RuntimeException e) {
                    // The pipe rides out a destination outage by itself; so does its progress display.
                    System.out.println(now + " status unavailable (" + FlinkRestClient.rootMessage(String.valueOf(
                            e.getMessage())) + "); Flink job " + jobStatus);
                }
            } while (!jobStatus.isGloballyTerminalState());

            JobResult result = flink.result(job);
            PipeState state = lastState(status, pipe);
            if (result.isSuccess() && state == PipeState.COMPLETED) {
                System.out.println("pipe " + pipe.name() + " is Completed");
                return 0;
            }
            String reason = result.getSerializedThrowable()
                    .map(t -> FlinkRestClient.rootMessage(t.getFullStringifiedStackTrace()))
                    .orElse("job ended " + jobStatus + " in state " + state);
            if (PipeTransitions.isAllowed(state, PipeState.FAILED)) {
                status.recordState(pipe.name(), state, PipeState.FAILED, reason);
            }
            System.err.println("ferry: pipe " + pipe.name() + " failed: " + reason);
            return Ferry.FAILED;
        }
    }

    private static PipeState lastState(ClickHouseStatusTables status, PipeSpec pipe) {
        return status.lastState(pipe.name()).orElse(PipeState.PROVISIONING);
    }
}
