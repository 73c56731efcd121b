package dev.ferry.operators.lifecycle;

import com.clickhouse.client.api.Client;
import dev.ferry.operators.clickhouse.ClickHouseConnections;
import dev.ferry.operators.clickhouse.ClickHouseStatusTables;
import dev.ferry.state.lifecycle.PipeProgress;
import dev.ferry.state.lifecycle.PipeProgressSerializer;
import dev.ferry.state.lifecycle.PipeState;
import dev.ferry.state.record.DurableProgress;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeutils.base.array.BytePrimitiveArraySerializer;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Folds the writers' durable progress into the pipe's lifecycle state (parallelism 1). The state is
 * checkpointed, so a savepoint carries it; it is published as the {@code pipeState} gauge and as rows
 * in the ClickHouse status tables. When every table's initial load is durable it moves the pipe from
 * Snapshot to Running, or to Completed for snapshot-only pipes.
 */
public final class PipeLifecycleOperator extends AbstractStreamOperator<Void>
        implements OneInputStreamOperator<DurableProgress, Void> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(PipeLifecycleOperator.class);
    private static final long PUBLISH_EVERY_MILLIS = 1_000;

    private final String pipe;
    private final ClickHouseConnections destination;
    private final String statusDatabase;
    private final List<String> tables;
    private final PipeState initialState;
    private final PipeState afterSnapshot;

    private transient ListState<byte[]> stored;
    private transient PipeProgress progress;
    private transient boolean restored;
    private transient Client client;
    private transient ClickHouseStatusTables status;
    private transient long lastPublished;
    private transient boolean unpublished;

    /**
     * @param initialState where a fresh pipe starts (Snapshot, or Running for CDC-only pipes)
     * @param afterSnapshot where the pipe goes when its initial load is durable (Running or Completed)
     */
    public PipeLifecycleOperator(String pipe, ClickHouseConnections destination, String statusDatabase,
            List<String> tables, PipeState initialState, PipeState afterSnapshot) {
        this.pipe = pipe;
        this.destination = destination;
        this.statusDatabase = statusDatabase;
        this.tables = new ArrayList<>(tables);
        this.initialState = initialState;
        this.afterSnapshot = afterSnapshot;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        stored = context.getOperatorStateStore()
                .getListState(new ListStateDescriptor<>("pipe-progress", BytePrimitiveArraySerializer.INSTANCE));
        for (byte[] bytes : stored.get()) {
            progress = PipeProgressSerializer.INSTANCE.deserialize(PipeProgressSerializer.INSTANCE.getVersion(), bytes);
            restored = true;
        }
        if (progress == null) {
            progress = new PipeProgress(PipeState.SETUP, "", tables);
        }
        progress.track(tables);
    }

    @Override
    public void open() throws Exception {
        super.open();
        client = destination.open();
        status = new ClickHouseStatusTables(client, statusDatabase);
        getMetricGroup().gauge("pipeState", () -> progress.state().code());
        if (!restored) {
            // A restart before the first checkpoint starts over; the status table already shows the move.
            boolean recorded = status.lastState(pipe).filter(s -> s == initialState).isPresent();
            progress.moveTo(initialState, "");
            if (!recorded) {
                status.recordState(pipe, PipeState.SETUP, initialState, "");
                LOG.info("pipe {}: {} -> {}", pipe, PipeState.SETUP.label(), initialState.label());
            }
        }
        LOG.info("pipe {} is {}{}", pipe, progress.state().label(), restored ? " (restored)" : "");
        advance();
    }

    @Override
    public void processElement(StreamRecord<DurableProgress> element) {
        progress.fold(element.getValue());
        unpublished = true;
        advance();
        if (System.currentTimeMillis() - lastPublished >= PUBLISH_EVERY_MILLIS) {
            publishProgress();
        }
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        stored.update(List.of(PipeProgressSerializer.INSTANCE.serialize(progress)));
        publishProgress();
    }

    @Override
    public void finish() throws Exception {
        publishProgress();
        super.finish();
    }

    @Override
    public void close() throws Exception {
        if (client != null) {
            client.close();
        }
        super.close();
    }

    /** The pipe's state, for tests and embedded runs. */
    public PipeState state() {
        return progress.state();
    }

    private void advance() {
        if ((progress.state() == PipeState.SNAPSHOT || progress.state() == PipeState.RESYNC)
                && progress.snapshotDone(tables)) {
            publishProgress();
            transition(afterSnapshot, "initial load of " + tables.size() + " tables done");
        }
    }

    private void transition(PipeState next, String reason) {
        PipeState previous = progress.state();
        progress.moveTo(next, reason);
        status.recordState(pipe, previous, next, reason);
        LOG.info("pipe {}: {} -> {}{}", pipe, previous.label(), next.label(), reason.isEmpty() ? "" : " (" + reason + ")");
    }

    private void publishProgress() {
        if (unpublished) {
            status.recordProgress(pipe, progress.tableList());
            unpublished = false;
            lastPublished = System.currentTimeMillis();
        }
    }
}
