package dev.ferry.jobs.postgres;

import dev.ferry.jobs.PipeGraph;
import dev.ferry.operators.clickhouse.ClickHouseWriter;
import dev.ferry.operators.postgres.SnapshotExporter;
import dev.ferry.operators.postgres.TransactionSnapshotExporter;
import dev.ferry.operators.postgres.setup.PostgresCatalog.SourceTable;
import dev.ferry.operators.postgres.snapshot.CtidSnapshotSource;
import dev.ferry.operators.postgres.stream.SlotSnapshotExporter;
import dev.ferry.operators.postgres.stream.WalChangeSource;
import dev.ferry.state.lifecycle.PipeRun;
import dev.ferry.state.spec.PipeSettings.ReplicationMode;
import dev.ferry.state.spec.PipeSettings;
import dev.ferry.state.spec.PipeSpec;
import java.util.List;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The job graph of a Postgres pipe:
 *
 * <pre>
 * CTID snapshot source (N) -> ClickHouse writer (N) --+
 *                                                     +--> lifecycle (1)
 * WAL change source (1)    -> ClickHouse writer (1) --+
 * </pre>
 *
 * The initial load and the change stream run at once, so the slot is acknowledged (and its WAL
 * freed) while the load is still going. Snapshot-only pipes have no change stream, CDC-only pipes
 * no initial load. Keyless tables of CDC pipes are copied by the change stream instead of the load
 * ({@link PostgresStreamCopies}).
 */
public final class PostgresPipeJob {
    private PostgresPipeJob() {}

    /** Adds the pipe's operators to {@code env}; returns the task slots it needs. See {@link PipeGraph}. */
    public static int build(StreamExecutionEnvironment env, PipeSpec spec, List<SourceTable> tables, PipeRun planned) {
        ReplicationMode mode = spec.setting(PipeSettings.REPLICATION_MODE);
        PipeRun run = PostgresStreamCopies.route(planned, tables, mode);
        PipeGraph graph = new PipeGraph(env, spec, tables.stream().map(SourceTable::schema).toList(), run);
        if (run.loads()) {
            SnapshotExporter exporter = mode == ReplicationMode.SNAPSHOT
                    ? new TransactionSnapshotExporter()
                    : new SlotSnapshotExporter(spec.replicationSlotName());
            CtidSnapshotSource snapshot = new CtidSnapshotSource(spec,
                    tables.stream().filter(t -> run.loadTables().contains(t.spec().sourceId())).toList(), exporter);
            graph.addLoad(snapshot, snapshot.readers(), "postgres initial load", "postgres-snapshot",
                    mode == ReplicationMode.SNAPSHOT ? ClickHouseWriter.Role.LOAD : ClickHouseWriter.Role.LOAD_BESIDE_CHANGES);
        }
        if (mode != ReplicationMode.SNAPSHOT) {
            graph.addChanges(WalChangeSource.create(spec, tables, run), "postgres changes", "postgres-wal");
        }
        return graph.finish();
    }
}
