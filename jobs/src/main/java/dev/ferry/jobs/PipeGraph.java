package dev.ferry.jobs;

import dev.ferry.operators.clickhouse.ClickHouseConnections;
import dev.ferry.operators.clickhouse.ClickHouseResync;
import dev.ferry.operators.clickhouse.ClickHouseWriter;
import dev.ferry.operators.lifecycle.PipeLifecycleOperator;
import dev.ferry.state.lifecycle.PipeRun;
import dev.ferry.state.lifecycle.PipeState;
import dev.ferry.state.record.ChangeRecord;
import dev.ferry.state.record.DurableProgress;
import dev.ferry.state.record.RecordTypeInfo;
import dev.ferry.state.schema.TableSchema;
import dev.ferry.state.spec.DestinationOptions;
import dev.ferry.state.spec.PipeSettings;
import dev.ferry.state.spec.PipeSettings.ReplicationMode;
import dev.ferry.state.spec.PipeSpec;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * The shape every pipe's job graph has, whatever its source:
 *
 * <pre>
 * initial-load source (N) -> ClickHouse writer (N) --+
 *                                                    +--> lifecycle (1)
 * change source (1)       -> ClickHouse writer (1) --+
 * </pre>
 *
 * The run says which tables this generation's initial load copies (resynced ones into their resync
 * copies, which the change writer also feeds); the change source follows every table. Operator uids
 * are stable, the load's carrying its generation: a new generation is a new operator, a fresh load
 * of its tables whatever the savepoint holds.
 */
public final class PipeGraph {
    private final StreamExecutionEnvironment env;
    private final PipeSpec spec;
    private final List<TableSchema> tables;
    private final PipeRun run;
    private DataStream<DurableProgress> progress;
    private int slots = 1;

    /**
     * The most task slots a run of {@code spec} takes: its initial load's readers at the most
     * (initial_load_parallelism per table, snapshot_number_of_parallel_tables tables at a time).
     */
    public static int maxSlots(PipeSpec spec) {
        return spec.setting(PipeSettings.INITIAL_LOAD_PARALLELISM) * spec.setting(PipeSettings.SNAPSHOT_NUMBER_OF_PARALLEL_TABLES);
    }

    public PipeGraph(StreamExecutionEnvironment env, PipeSpec spec, List<TableSchema> tables, PipeRun run) {
        this.env = env;
        this.spec = spec;
        this.tables = List.copyOf(tables);
        this.run = run;
    }

    /** The tables this run's initial load writes: its load tables, the resynced ones under their copies' names. */
    public List<TableSchema> loadTargets() {
        return tables.stream().filter(t -> run.loadTables().contains(t.sourceId()))
                .map(t -> run.resyncTables().contains(t.sourceId()) ? t.withTarget(ClickHouseResync.copyOf(t.target())) : t)
                .toList();
    }

    /** Adds the initial load: {@code readers} parallel readers, each chained to its writer. */
    public void addLoad(Source<ChangeRecord, ?, ?> source, int readers, String name, String uid,
            ClickHouseWriter.Role role) {
        slots = readers;
        add(env.fromSource(source, WatermarkStrategy.noWatermarks(), named(name + " " + run.generation()))
                .setParallelism(readers)
                .uid(uid + "-" + run.generation())
                .transform(named("clickhouse (initial load)"), RecordTypeInfo.DURABLE_PROGRESS,
                        new ClickHouseWriter(spec, loadTargets(), Map.of(), role))
                .setParallelism(readers)
                .uid("clickhouse-snapshot-" + run.generation()));
    }

    /** Adds the change source (parallelism 1) and its writer, which also feeds resync copies. */
    public void addChanges(Source<ChangeRecord, ?, ?> source, String name, String uid) {
        Map<String, List<String>> copies = new HashMap<>();
        tables.stream().filter(t -> run.resyncTables().contains(t.sourceId()))
                .forEach(t -> copies.put(t.sourceId(), List.of(ClickHouseResync.copyOf(t.target()))));
        add(env.fromSource(source, WatermarkStrategy.noWatermarks(), named(name))
                .setParallelism(1)
                .uid(uid)
                .transform(named("clickhouse (changes)"), RecordTypeInfo.DURABLE_PROGRESS, new ClickHouseWriter(spec, tables, copies, ClickHouseWriter.Role.CHANGES))
                .setParallelism(1)
                .uid("clickhouse-changes"));
    }

    /** Ends the graph with the lifecycle operator; returns the task slots the job needs. */
    public int finish() {
        if (progress == null) {
            throw new IllegalArgumentException("pipe " + spec.name() + " has nothing to run: a snapshot pipe with no"
                    + " tables to load");
        }
        Map<String, String> targets = new HashMap<>();
        tables.forEach(t -> targets.put(t.sourceId(), t.target()));
        Map<String, String> views = new HashMap<>();
        spec.tables().stream().filter(t -> t.destination().currentView() != null)
                .forEach(t -> views.put(t.sourceId(), t.destination().currentView()));
        boolean snapshotOnly = spec.setting(PipeSettings.REPLICATION_MODE) == ReplicationMode.SNAPSHOT;
        PipeLifecycleOperator lifecycle = new PipeLifecycleOperator(spec.name(),
                new ClickHouseConnections(spec.destination()), spec.destination().get(DestinationOptions.STATUS_DATABASE),
                tables.stream().map(TableSchema::sourceId).toList(), targets, views, run,
                snapshotOnly ? PipeState.COMPLETED : PipeState.RUNNING);
        progress.global()
                .transform(named("lifecycle"), Types.VOID, lifecycle)
                .setParallelism(1)
                .uid("lifecycle")
                .sinkTo(new DiscardingSink<>())
                .setParallelism(1)
                .name(named("end"));
        return slots;
    }

    /** Operators carry the pipe's name, so each pipe's job reads as its own in Flink's UI and metrics. */
    private String named(String operator) {
        return spec.name() + ": " + operator;
    }

    private void add(DataStream<DurableProgress> stream) {
        progress = progress == null ? stream : progress.union(stream);
    }
}
