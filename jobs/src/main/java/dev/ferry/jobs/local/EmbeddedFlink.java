package dev.ferry.jobs.local;

import dev.ferry.jobs.FlinkStopSavepoints;
import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.configuration.WebOptions;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.executiongraph.ErrorInfo;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An in-process Flink (MiniCluster) with the web UI: {@code ferry run}'s, which it hands one job
 * graph, and {@code ferry server}'s, which takes jobs through its REST API like a session cluster.
 */
public final class EmbeddedFlink implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedFlink.class);

    private final MiniCluster cluster;

    private EmbeddedFlink(MiniCluster cluster) {
        this.cluster = cluster;
    }

    public static EmbeddedFlink start(int slots, int webUiPort) throws Exception {
        return start(new Configuration(), slots, webUiPort);
    }

    /**
     * A Flink for pipes started through its REST API (jar upload and run, like on a session cluster),
     * with their checkpoints and savepoints under {@code stateDir}. Checkpoints outlive the process
     * (kept on cancellation and on a stop), so the pipes can go on from them when it starts again.
     */
    public static EmbeddedFlink startSession(Path stateDir, int slots, int restPort) throws Exception {
        Configuration conf = new Configuration();
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, stateDir.resolve("checkpoints").toUri().toString());
        conf.set(CheckpointingOptions.SAVEPOINT_DIRECTORY, stateDir.resolve("savepoints").toUri().toString());
        conf.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        conf.set(WebOptions.UPLOAD_DIR, stateDir.resolve("uploads").toString());
        // Each run of the job jar has its own class loader; Ferry's libraries keep threads that outlive a job.
        conf.set(CoreOptions.CHECK_LEAKED_CLASSLOADER, false);
        return start(conf, slots, restPort);
    }

    private static EmbeddedFlink start(Configuration conf, int slots, int webUiPort) throws Exception {
        conf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        conf.set(RestOptions.BIND_PORT, String.valueOf(webUiPort));
        conf.set(TaskManagerOptions.NUM_TASK_SLOTS, slots);
        MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(conf)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(slots)
                .build());
        try {
            cluster.start();
        } catch (Exception e) {
            cluster.close();
            throw new IllegalStateException("cannot start the embedded Flink (web UI port " + webUiPort + " in use?): "
                    + e.getMessage(), e);
        }
        return new EmbeddedFlink(cluster);
    }

    /** {@link #start} on another thread, so the caller can set the pipe up meanwhile. */
    public static CompletableFuture<EmbeddedFlink> startInBackground(int slots, int webUiPort) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return start(slots, webUiPort);
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        });
    }

    /** The cluster {@link #startInBackground} started, or what its start threw. */
    public static EmbeddedFlink started(CompletableFuture<EmbeddedFlink> starting) throws Exception {
        try {
            return starting.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    /** Stops a cluster started in the background that the run no longer needs (its setup failed). */
    public static void discard(CompletableFuture<EmbeddedFlink> starting) {
        try {
            started(starting).close();
        } catch (Exception e) {
            LOG.debug("embedded Flink not started or not stopped cleanly", e);
        }
    }

    public URI webUi() throws Exception {
        return cluster.getRestAddress().get(30, TimeUnit.SECONDS);
    }

    public JobID submit(StreamGraph graph) throws Exception {
        return cluster.submitJob(graph.getJobGraph()).get(60, TimeUnit.SECONDS).getJobID();
    }

    /** Stops the job with a savepoint under {@code directory}; returns its path. */
    public String stopWithSavepoint(JobID job, String directory) throws Exception {
        return stopWithSavepoint(cluster, job, directory);
    }

    /**
     * A savepoint is declined when it meets tasks that are not running (the load's readers as they
     * finish, a restart in progress); the job runs on, so try again for a while.
     */
    public static String stopWithSavepoint(MiniCluster cluster, JobID job, String directory) throws Exception {
        long deadline = System.currentTimeMillis() + TimeUnit.MINUTES.toMillis(2);
        while (true) {
            try {
                return cluster.stopWithSavepoint(job, directory, false, SavepointFormatType.CANONICAL)
                        .get(5, TimeUnit.MINUTES);
            } catch (ExecutionException e) {
                Optional<String> made = FlinkStopSavepoints.madeBeforeTheStopFailed(e, job);
                if (made.isPresent()) {
                    if (!cluster.getJobStatus(job).get(30, TimeUnit.SECONDS).isGloballyTerminalState()) {
                        cluster.cancelJob(job).get(1, TimeUnit.MINUTES); // restarted: the savepoint is where it goes on
                    }
                    return made.get();
                }
                JobStatus status = cluster.getJobStatus(job).get(30, TimeUnit.SECONDS);
                if (System.currentTimeMillis() > deadline || status.isGloballyTerminalState()) {
                    throw e;
                }
                LOG.warn("savepoint of job {} failed ({}); the job runs on, trying again", job,
                        e.getCause() == null ? e.getMessage() : e.getCause().getMessage());
                Thread.sleep(500);
            }
        }
    }

    /** The job's latest failure (time, stack trace as text), if it had one. */
    public Optional<Map.Entry<Instant, String>> latestFailure(JobID job) throws Exception {
        ErrorInfo failure = cluster.getArchivedExecutionGraph(job).get(30, TimeUnit.SECONDS).getFailureInfo();
        return failure == null ? Optional.empty()
                : Optional.of(Map.entry(Instant.ofEpochMilli(failure.getTimestamp()), failure.getExceptionAsString()));
    }

    public JobStatus status(JobID job) throws Exception {
        return cluster.getJobStatus(job).get(30, TimeUnit.SECONDS);
    }

    public JobResult result(JobID job) throws Exception {
        return cluster.requestJobResult(job).get();
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }
}
