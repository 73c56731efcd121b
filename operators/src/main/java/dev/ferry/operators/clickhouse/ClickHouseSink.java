package dev.ferry.operators.clickhouse;

import dev.ferry.state.record.ChangeRecord;
import dev.ferry.state.record.DurableProgress;
import dev.ferry.state.record.DurableProgressSerializer;
import dev.ferry.state.schema.TableSchema;
import dev.ferry.state.spec.PipeSettings;
import dev.ferry.state.spec.PipeSpec;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessage;
import org.apache.flink.streaming.api.connector.sink2.SupportsPostCommitTopology;
import org.apache.flink.streaming.api.datastream.DataStream;

/**
 * Writes a pipe's rows to ClickHouse (Sink V2). Rows are written before each checkpoint barrier
 * passes; the "commit" only releases the {@link DurableProgress} of that checkpoint to the
 * post-commit topology (the pipe's lifecycle), so progress is reported only once it is durable.
 */
public final class ClickHouseSink
        implements Sink<ChangeRecord>, SupportsCommitter<DurableProgress>, SupportsPostCommitTopology<DurableProgress> {
    private static final long serialVersionUID = 1L;

    /** Builds what consumes committed progress (the job adds the lifecycle operator here). */
    @FunctionalInterface
    public interface ProgressTopology extends Serializable {
        void add(DataStream<CommittableMessage<DurableProgress>> committed);
    }

    private final String pipe;
    private final ClickHouseConnections connections;
    private final List<TableSchema> tables;
    private final int batchRows;
    private final long syncIntervalMillis;
    private final ProgressTopology progressTopology;

    public ClickHouseSink(PipeSpec spec, List<TableSchema> tables, ProgressTopology progressTopology) {
        this.pipe = spec.name();
        this.connections = new ClickHouseConnections(spec.destination());
        this.tables = new ArrayList<>(tables);
        this.batchRows = spec.setting(PipeSettings.PULL_BATCH_SIZE);
        this.syncIntervalMillis = spec.setting(PipeSettings.SYNC_INTERVAL_SECONDS) * 1000L;
        this.progressTopology = progressTopology;
    }

    @Override
    @Deprecated
    public SinkWriter<ChangeRecord> createWriter(InitContext context) {
        throw new UnsupportedOperationException("Flink 1.20 calls createWriter(WriterInitContext)");
    }

    @Override
    public SinkWriter<ChangeRecord> createWriter(WriterInitContext context) {
        return new ClickHouseSinkWriter(this, context.getProcessingTimeService(), context.metricGroup());
    }

    @Override
    public Committer<DurableProgress> createCommitter(CommitterInitContext context) {
        return new ProgressCommitter();
    }

    @Override
    public SimpleVersionedSerializer<DurableProgress> getCommittableSerializer() {
        return DurableProgressSerializer.INSTANCE;
    }

    @Override
    public void addPostCommitTopology(DataStream<CommittableMessage<DurableProgress>> committables) {
        progressTopology.add(committables);
    }

    String pipe() {
        return pipe;
    }

    ClickHouseConnections connections() {
        return connections;
    }

    List<TableSchema> tables() {
        return tables;
    }

    int batchRows() {
        return batchRows;
    }

    long syncIntervalMillis() {
        return syncIntervalMillis;
    }

    /** The rows are already in ClickHouse when a checkpoint completes; committing only passes progress on. */
    private static final class ProgressCommitter implements Committer<DurableProgress> {
        @Override
        public void commit(java.util.Collection<CommitRequest<DurableProgress>> requests) throws IOException {
            // Nothing to do: returning marks every request committed.
        }

        @Override
        public void close() {}
    }
}
