package dev.ferry.jobs.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.jobs.FerryCli;
import dev.ferry.jobs.PipeEnvironment;
import dev.ferry.jobs.PipeRuns;
import dev.ferry.jobs.local.EmbeddedFlink;
import dev.ferry.jobs.local.LocalPipeState;
import dev.ferry.operators.postgres.setup.PostgresCatalog.SourceTable;
import dev.ferry.operators.postgres.setup.PostgresCatalog;
import dev.ferry.state.lifecycle.PipeRun;
import dev.ferry.state.lifecycle.PipeState;
import dev.ferry.state.schema.TableSchema;
import dev.ferry.state.spec.PipeSpec;
import dev.ferry.state.spec.PipeSpecParser;
import dev.ferry.state.spec.TableSpec;
import dev.ferry.testing.ClickHouseTestDatabase;
import dev.ferry.testing.PostgresTestDatabase;
import dev.ferry.testing.TableComparison;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.test.junit5.MiniClusterExtension;

/** Shared pieces of the pipe tests: the MiniCluster, specs, starting a pipe and waiting for it. */
public final class PipeTestKit {
    private PipeTestKit() {}

    static MiniClusterExtension miniCluster(int slots) {
        Configuration conf = new Configuration();
        conf.set(TaskManagerOptions.NUM_TASK_SLOTS, slots);
        return new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
                .setConfiguration(conf)
                .setNumberTaskManagers(1)
                .setNumberSlotsPerTaskManager(slots)
                .build());
    }

    static PipeSpec spec(String name, PostgresTestDatabase pg, ClickHouseTestDatabase ch, String tables, String settings) {
        String yaml = "name: " + name + "\n" + pg.sourceYaml() + ch.destinationYaml() + "tables: " + tables + "\n"
                + "settings: " + settings + "\n";
        return PipeSpecParser.parse(yaml, Map.of());
    }

    /** Sets the pipe up and submits its job to the test cluster. */
    static JobClient start(PipeSpec spec, List<SourceTable> tables) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        PipeEnvironment.apply(env, spec);
        PostgresPipeJob.build(env, spec, tables, PipeRuns.first(spec));
        return env.executeAsync(spec.name());
    }

    /** Sets a snapshot pipe up and runs its job to the end; returns its source tables. */
    static List<SourceTable> runToCompletion(PipeSpec spec) throws Exception {
        List<SourceTable> tables = PostgresPipeSetup.run(spec);
        start(spec, tables).getJobExecutionResult().get();
        return tables;
    }

    static void awaitState(ClickHouseTestDatabase ch, String pipe, PipeState state, Duration timeout)
            throws InterruptedException {
        new FerryCli(ch).awaitState(pipe, state, timeout);
    }

    /** Polls until the destination equals the source: changes take a sync interval or two to land. */
    public static TableComparison.Result awaitEqual(PostgresTestDatabase pg, ClickHouseTestDatabase ch, TableSchema schema,
            String pgName, Duration timeout) throws Exception {
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        TableComparison.Result r = null;
        RuntimeException lastError = null;
        do {
            Thread.sleep(500);
            try (Connection c = pg.connect()) {
                r = TableComparison.compare(c, pgName, ch, schema);
                lastError = null;
            } catch (RuntimeException e) {
                lastError = e; // e.g. a column the pipe has not added yet
            }
        } while ((r == null || lastError != null || !r.equal()) && System.currentTimeMillis() < deadline);
        if (lastError != null) {
            throw lastError;
        }
        assertThat(r.differences()).as(r.toString()).isEmpty();
        return r;
    }

    /** The messages of a failure and all its causes, to find the root cause's text in. */
    static String causeMessages(Throwable t) {
        StringBuilder out = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            out.append(c.getMessage()).append(" | ");
        }
        return out.toString();
    }

    /**
     * Kills the cluster's TaskManager (the job restarts from its last checkpoint once another is
     * started). The cluster keeps terminated TaskManagers in its list, so every index is closed:
     * closing one already gone does nothing.
     */
    static void loseTaskManager(MiniCluster cluster) throws Exception {
        for (int i = 0; ; i++) {
            CompletableFuture<Void> closed;
            try {
                closed = cluster.terminateTaskManager(i);
            } catch (IndexOutOfBoundsException e) {
                return;
            }
            closed.get(1, TimeUnit.MINUTES);
        }
    }

    /** Table {@code public.<table>}'s schema as the source's catalog has it now. */
    public static TableSchema currentSchema(PostgresTestDatabase pg, String table) throws Exception {
        try (Connection c = pg.connect()) {
            return PostgresCatalog.read(c, new TableSpec("public", table, table), true).schema();
        }
    }

    /** Pauses the job, retrying while its tasks are not all running. */
    /**
     * A random source for a generated test case, seeded by {@code -D<property>} or the clock; the seed
     * is printed, labelled {@code what}, so a failing case can be run again.
     */
    public static java.util.Random seeded(String what, String property) {
        long seed = Long.getLong(property, System.nanoTime());
        System.out.println(what + " seed: " + seed + " (-D" + property + " to repeat)");
        return new java.util.Random(seed);
    }

    static String stopWithSavepoint(MiniCluster cluster, JobID job, Path savepoints) throws Exception {
        return EmbeddedFlink.stopWithSavepoint(cluster, job, savepoints.toUri().toString());
    }

    /** Builds the pipe's job and submits it, from a savepoint if given. */
    static JobID submit(MiniCluster cluster, PipeSpec spec, List<SourceTable> tables, String savepoint)
            throws Exception {
        return submit(cluster, spec, tables, PipeRuns.first(spec), savepoint);
    }

    /** Builds a run of the pipe's job and submits it, from a savepoint if given. */
    static JobID submit(MiniCluster cluster, PipeSpec spec, List<SourceTable> tables, PipeRun run, String savepoint)
            throws Exception {
        return submit(cluster, spec, tables, run, savepoint, null);
    }

    /**
     * {@link #submit}, keeping the job's checkpoints in {@code state} when it is cancelled, as
     * {@code ferry run} does so that a run killed with -9 resumes from the last one.
     */
    static JobID submit(MiniCluster cluster, PipeSpec spec, List<SourceTable> tables, PipeRun run, String savepoint,
            LocalPipeState state) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        PipeEnvironment.apply(env, spec);
        if (state != null) {
            env.getCheckpointConfig().setCheckpointStorage(state.checkpoints());
            env.getCheckpointConfig().setExternalizedCheckpointRetention(ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        }
        PostgresPipeJob.build(env, spec, tables, run);
        StreamGraph graph = env.getStreamGraph();
        graph.setJobName(spec.name());
        if (savepoint != null) {
            graph.setSavepointRestoreSettings(SavepointRestoreSettings.forPath(savepoint, false));
        }
        return cluster.submitJob(graph.getJobGraph()).get(1, TimeUnit.MINUTES).getJobID();
    }

}
