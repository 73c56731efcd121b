package dev.ferry.operators.postgres.snapshot;

import dev.ferry.operators.load.LoadEnumeratorState;
import dev.ferry.operators.load.LoadPlanner;
import dev.ferry.operators.load.PartitionedLoadSource;
import dev.ferry.operators.postgres.PostgresConnections;
import dev.ferry.operators.postgres.SnapshotExporter;
import dev.ferry.operators.postgres.setup.PostgresCatalog.SourceTable;
import dev.ferry.operators.postgres.snapshot.SnapshotEvents.SnapshotGrant;
import dev.ferry.state.record.ChangeRecord;
import dev.ferry.state.spec.PipeSettings.SnapshotPartitioning;
import dev.ferry.state.spec.PipeSettings;
import dev.ferry.state.spec.PipeSpec;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;

/**
 * The Postgres initial load as a bounded, parallel FLIP-27 source: tables split into CTID ranges,
 * read under one exported snapshot, with checkpointed progress so a restart neither re-reads a
 * finished partition nor skips one. Its parallelism should be
 * {@code initial_load_parallelism * snapshot_number_of_parallel_tables} ({@link #readers()}).
 */
public final class CtidSnapshotSource extends PartitionedLoadSource<CtidPartition> {
    private static final long serialVersionUID = 1L;

    private final PostgresConnections connections;
    private final List<SourceTable> tables;
    private final SnapshotPartitioning partitioning;
    private final SnapshotExporter exporter;

    public CtidSnapshotSource(PipeSpec spec, List<SourceTable> tables, SnapshotExporter exporter) {
        super(spec, tables.stream().map(t -> t.spec().sourceId()).toList(), CtidPartitionSerializer.INSTANCE);
        this.connections = new PostgresConnections(spec.name(), spec.source());
        this.tables = new ArrayList<>(tables);
        this.partitioning = spec.setting(PipeSettings.SNAPSHOT_PARTITIONING);
        this.exporter = exporter;
    }

    @Override
    public SplitEnumerator<CtidPartition, LoadEnumeratorState<CtidPartition>> restoreEnumerator(
            SplitEnumeratorContext<CtidPartition> context, LoadEnumeratorState<CtidPartition> checkpoint) {
        return new CtidSnapshotEnumerator(context, this, checkpoint);
    }

    @Override
    public SourceReader<ChangeRecord, CtidPartition> createReader(SourceReaderContext context) {
        return new CtidSnapshotReader(this, context, new CompletableFuture<SnapshotGrant>());
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

    /** Plans one table on a connection of its own. */
    LoadPlanner<CtidPartition> planner() {
        Map<String, SourceTable> byId = tablesById();
        PostgresConnections conns = connections;
        SnapshotPartitioning strategy = partitioning;
        int rows = rowsPerPartition();
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
