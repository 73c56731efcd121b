package dev.ferry.jobs.postgres;

import dev.ferry.operators.clickhouse.ClickHouseConnections;
import dev.ferry.operators.clickhouse.ClickHouseWriter;
import dev.ferry.operators.lifecycle.PipeLifecycleOperator;
import dev.ferry.operators.postgres.CtidSnapshotSource;
import dev.ferry.operators.postgres.PostgresCatalog.SourceTable;
import dev.ferry.operators.postgres.TransactionSnapshotExporter;
import dev.ferry.state.lifecycle.PipeState;
import dev.ferry.state.record.ChangeRecord;
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

/** The job graph of a Postgres pipe: initial load source -> ClickHouse writer -> lifecycle. */
public final class PostgresPipeJob {
    private PostgresPipeJob() {}

    /** Adds the pipe's operators to {@code env}; returns the parallelism it needs (task slots). */
    public static int build(StreamExecutionEnvironment env, PipeSpec spec, List<SourceTable> tables) {
        ReplicationMode mode = spec.setting(PipeSettings.REPLICATION_MODE);
        if (mode != ReplicationMode.SNAPSHOT) {
            throw new UnsupportedOperationException("replication_mode " + mode.name().toLowerCase()
                    + " is not available yet; use replication_mode: snapshot");
        }
        List<TableSchema> schemas = tables.stream().map(SourceTable::schema).toList();
        List<String> tableIds = schemas.stream().map(TableSchema::sourceId).toList();

        CtidSnapshotSource snapshot = new CtidSnapshotSource(spec, tables, new TransactionSnapshotExporter());
        int parallelism = snapshot.readers();
        DataStream<ChangeRecord> rows = env.fromSource(snapshot, WatermarkStrategy.noWatermarks(), "postgres initial load")
                .setParallelism(parallelism)
                .uid("postgres-snapshot");

        ClickHouseConnections destination = new ClickHouseConnections(spec.destination());
        String statusDatabase = spec.destination().get(DestinationOptions.STATUS_DATABASE);
        PipeLifecycleOperator lifecycle = new PipeLifecycleOperator(spec.name(), destination, statusDatabase, tableIds,
                PipeState.SNAPSHOT, PipeState.COMPLETED);
        rows.transform("clickhouse", RecordTypeInfo.DURABLE_PROGRESS, new ClickHouseWriter(spec, schemas))
                .setParallelism(parallelism)
                .uid("clickhouse")
                .global()
                .transform("lifecycle", Types.VOID, lifecycle)
                .setParallelism(1)
                .uid("lifecycle")
                .sinkTo(new DiscardingSink<>())
                .setParallelism(1)
                .name("end");
        return parallelism;
    }
}
