package dev.ferry.operators.postgres;

import dev.ferry.operators.postgres.PostgresCatalog.SourceTable;
import dev.ferry.operators.postgres.SnapshotEvents.SnapshotGrant;
import dev.ferry.state.record.ChangeRecord;
import dev.ferry.state.record.RecordTypeInfo;
import dev.ferry.state.spec.PipeSettings;
import dev.ferry.state.spec.PipeSettings.SnapshotPartitioning;
import dev.ferry.state.spec.PipeSpec;
import dev.ferry.operators.load.LoadEnumeratorState;
import dev.ferry.operators.load.LoadEnumeratorStateSerializer;
import dev.ferry.operators.load.LoadPlanner;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * The Postgres initial load as a bounded, parallel FLIP-27 source: tables split into CTID ranges,
 * read under one exported snapshot, with checkpointed progress so a restart neither re-reads a
 * finished partition nor skips one. Its parallelism should be
 * {@code initial_load_parallelism * snapshot_number_of_parallel_tables} ({@link #readers()}).
 */
public final class CtidSnapshotSource
        implements Source<ChangeRecord, CtidPartition, LoadEnumeratorState<CtidPartition>>,
                ResultTypeQueryable<ChangeRecord> {
    private static final long serialVersionUID = 1L;

    private final String pipe;
    private final PostgresConnections connections;
    private final List<SourceTable> tables;
    private final int parallelismPerTable;
    private final int tablesInParallel;
    private final SnapshotPartitioning partitioning;
    private final int rowsPerPartition;
    private final SnapshotExporter exporter;

    public CtidSnapshotSource(PipeSpec spec, List<SourceTable> tables, SnapshotExporter exporter) {
        this.pipe = spec.name();
        this.connections = new PostgresConnections(spec.name(), spec.source());
        this.tables = new ArrayList<>(tables);
        this.parallelismPerTable = spec.setting(PipeSettings.INITIAL_LOAD_PARALLELISM);
        this.tablesInParallel = spec.setting(PipeSettings.SNAPSHOT_NUMBER_OF_PARALLEL_TABLES);
        this.partitioning = spec.setting(PipeSettings.SNAPSHOT_PARTITIONING);
        this.rowsPerPartition = spec.setting(PipeSettings.SNAPSHOT_NUM_ROWS_PER_PARTITION);
        this.exporter = exporter;
    }

    /** Reader subtasks that let every active table use its full parallelism. */
    public int readers() {
        return parallelismPerTable * Math.min(tablesInParallel, Math.max(1, tables.size()));
    }

    @Override
    public Boundedness getBoundedness() {
        return Boundedness.BOUNDED;
    }

    @Override
    public SplitEnumerator<CtidPartition, LoadEnumeratorState<CtidPartition>> createEnumerator(
            SplitEnumeratorContext<CtidPartition> context) {
        List<String> ids = tables.stream().map(t -> t.spec().sourceId()).toList();
        return new CtidSnapshotEnumerator(context, this, LoadEnumeratorState.start(ids));
    }

    @Override
    public SplitEnumerator<CtidPartition, LoadEnumeratorState<CtidPartition>> restoreEnumerator(
            SplitEnumeratorContext<CtidPartition> context, LoadEnumeratorState<CtidPartition> checkpoint) {
        return new CtidSnapshotEnumerator(context, this, checkpoint);
    }

    @Override
    public SimpleVersionedSerializer<CtidPartition> getSplitSerializer() {
        return CtidPartitionSerializer.INSTANCE;
    }

    @Override
    public SimpleVersionedSerializer<LoadEnumeratorState<CtidPartition>> getEnumeratorCheckpointSerializer() {
        return new LoadEnumeratorStateSerializer<>(CtidPartitionSerializer.INSTANCE);
    }

    @Override
    public SourceReader<ChangeRecord, CtidPartition> createReader(SourceReaderContext context) {
        return new CtidSnapshotReader(this, context, new CompletableFuture<SnapshotGrant>());
    }

    @Override
    public TypeInformation<ChangeRecord> getProducedType() {
        return RecordTypeInfo.CHANGE_RECORD;
    }

    String pipe() {
        return pipe;
    }

    PostgresConnections connections() {
        return connections;
    }

    List<SourceTable> tables() {
        return tables;
    }

    Map<String, SourceTable> tablesById() {
        Map<String, SourceTable> byId = new LinkedHashMap<>();
        tables.forEach(t -> byId.put(t.spec().sourceId(), t));
        return byId;
    }

    int parallelismPerTable() {
        return parallelismPerTable;
    }

    int tablesInParallel() {
        return tablesInParallel;
    }

    /** Plans one table on a connection of its own. */
    LoadPlanner<CtidPartition> planner() {
        Map<String, SourceTable> byId = tablesById();
        PostgresConnections conns = connections;
        SnapshotPartitioning strategy = partitioning;
        int rows = rowsPerPartition;
        return (table, pass) -> {
            try (Connection conn = conns.open("snapshot-planner")) {
                return CtidPartitionPlanner.plan(conn, byId.get(table), pass, strategy, rows);
            }
        };
    }

    SnapshotExporter exporter() {
        return exporter;
    }
}
