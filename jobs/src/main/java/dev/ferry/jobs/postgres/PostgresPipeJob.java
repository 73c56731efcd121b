package dev.ferry.jobs.postgres;

import dev.ferry.operators.clickhouse.ClickHouseConnections;
import dev.ferry.operators.clickhouse.ClickHouseWriter;
import dev.ferry.operators.lifecycle.PipeLifecycleOperator;
import dev.ferry.operators.postgres.CtidSnapshotSource;
import dev.ferry.operators.postgres.PostgresCatalog.SourceTable;
import dev.ferry.operators.postgres.SlotSnapshotExporter;
import dev.ferry.operators.postgres.SnapshotExporter;
import dev.ferry.operators.postgres.TransactionSnapshotExporter;
import dev.ferry.operators.postgres.WalChangeSource;
import dev.ferry.state.lifecycle.PipeState;
import dev.ferry.state.record.DurableProgress;
import dev.ferry.state.record.RecordTypeInfo;
import dev.ferry.state.schema.TableSchema;
import dev.ferry.state.spec.DestinationOptions;
import dev.ferry.state.spec.PipeSettings;
import dev.ferry.state.spec.PipeSettings.ReplicationMode;
import dev.ferry.state.spec.PipeSpec;
import java.util.List;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

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
 * no initial load.
 */
public final class PostgresPipeJob {
    private PostgresPipeJob() {}

    /** Adds the pipe's operators to {@code env}; returns the task slots it needs. */
    public static int build(StreamExecutionEnvironment env, PipeSpec spec, List<SourceTable> tables) {
        ReplicationMode mode = spec.setting(PipeSettings.REPLICATION_MODE);
        List<TableSchema> schemas = tables.stream().map(SourceTable::schema).toList();
        List<String> tableIds = schemas.stream().map(TableSchema::sourceId).toList();
        int slots = 1;
        DataStream<DurableProgress> progress = null;

        if (mode != ReplicationMode.CDC_ONLY) {
            SnapshotExporter exporter = mode == ReplicationMode.SNAPSHOT
                    ? new TransactionSnapshotExporter()
                    : new SlotSnapshotExporter(spec.replicationSlotName());
            CtidSnapshotSource snapshot = new CtidSnapshotSource(spec, tables, exporter);
            slots = snapshot.readers();
            progress = env.fromSource(snapshot, WatermarkStrategy.noWatermarks(), "postgres initial load")
                    .setParallelism(snapshot.readers())
                    .uid("postgres-snapshot")
                    .transform("clickhouse (initial load)", RecordTypeInfo.DURABLE_PROGRESS, new ClickHouseWriter(spec, schemas))
                    .setParallelism(snapshot.readers())
                    .uid("clickhouse-snapshot");
        }
        if (mode != ReplicationMode.SNAPSHOT) {
            DataStream<DurableProgress> changes = env.fromSource(WalChangeSource.create(spec, tables),
                            WatermarkStrategy.noWatermarks(), "postgres changes")
                    .setParallelism(1)
                    .uid("postgres-wal")
                    .transform("clickhouse (changes)", RecordTypeInfo.DURABLE_PROGRESS, new ClickHouseWriter(spec, schemas))
                    .setParallelism(1)
                    .uid("clickhouse-changes");
            progress = progress == null ? changes : progress.union(changes);
        }

        PipeLifecycleOperator lifecycle = new PipeLifecycleOperator(spec.name(),
                new ClickHouseConnections(spec.destination()), spec.destination().get(DestinationOptions.STATUS_DATABASE),
                tableIds,
                mode == ReplicationMode.CDC_ONLY ? PipeState.RUNNING : PipeState.SNAPSHOT,
                mode == ReplicationMode.SNAPSHOT ? PipeState.COMPLETED : PipeState.RUNNING);
        progress.global()
                .transform("lifecycle", Types.VOID, lifecycle)
                .setParallelism(1)
                .uid("lifecycle")
                .sinkTo(new DiscardingSink<>())
                .setParallelism(1)
                .name("end");
        return slots;
    }
}
