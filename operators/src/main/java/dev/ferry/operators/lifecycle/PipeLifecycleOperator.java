package dev.ferry.operators.lifecycle;

import com.clickhouse.client.api.Client;
import dev.ferry.operators.clickhouse.ClickHouseConnections;
import dev.ferry.operators.clickhouse.ClickHouseCurrentView;
import dev.ferry.operators.clickhouse.ClickHouseDestinationLayout;
import dev.ferry.operators.clickhouse.ClickHouseResync;
import dev.ferry.operators.clickhouse.ClickHouseStatusTables;
import dev.ferry.state.lifecycle.PipeProgress;
import dev.ferry.state.lifecycle.PipeProgressSerializer;
import dev.ferry.state.lifecycle.PipeRun;
import dev.ferry.state.lifecycle.PipeState;
import dev.ferry.state.lifecycle.TableProgress;
import dev.ferry.state.record.DurableProgress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeutils.base.array.BytePrimitiveArraySerializer;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Folds the writers' durable progress into the pipe's lifecycle state (parallelism 1). The state is
 * checkpointed, so a savepoint carries it; it is published as metrics (see registerMetrics) and as rows
 * in the ClickHouse status tables. When the run's initial load is durable it moves the pipe from
 * Snapshot to Running (Completed for snapshot-only pipes), and from Resync the same way once it has
 * swapped the resync copies in.
 *
 * <p>Transitions made while no job runs (Pausing, Paused, Modifying, and the move into a new run's
 * starting state) are the control plane's; this operator records the first run's Setup -> start and
 * the moves that data makes.
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
    private final PipeRun run;
    private final Map<String, String> targets;
    private final Map<String, String> views;
    private final PipeState afterLoad;

    private transient ListState<byte[]> stored;
    private transient PipeProgress progress;
    private transient boolean restored;
    private transient Client client;
    private transient ClickHouseStatusTables status;
    private transient long lastPublished;
    private transient boolean unpublished;
    /** A resync's load is durable; the copies are swapped in once checkpoint {@code swapAt} completes. */
    private transient boolean swapReady;
    private transient long swapAt;

    /**
     * @param tables every source table of the pipe
     * @param targets destination table of each source table (resync copies are swapped in by name)
     * @param views the current view of each source table that has one, made again after a swap
     * @param afterLoad where the pipe goes when the run's load is durable (Running, or Completed)
     */
    public PipeLifecycleOperator(String pipe, ClickHouseConnections destination, String statusDatabase,
            List<String> tables, Map<String, String> targets, Map<String, String> views, PipeRun run,
            PipeState afterLoad) {
        this.pipe = pipe;
        this.destination = destination;
        this.statusDatabase = statusDatabase;
        this.tables = new ArrayList<>(tables);
        this.targets = new HashMap<>(targets);
        this.views = new HashMap<>(views);
        this.run = run;
        this.afterLoad = afterLoad;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        swapAt = -1; // transient: not set by a field initializer in an operator Flink deserialized
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
        registerMetrics();
        PipeState before = progress.state();
        progress.beginGeneration(run);
        if (before == PipeState.SETUP && run.generation() == 1) {
            // The first run's start. A restart before the first checkpoint starts over: record it once.
            PipeState start = progress.state();
            if (status.lastState(pipe).filter(s -> s == start).isEmpty()) {
                status.recordState(pipe, PipeState.SETUP, start, "");
                LOG.info("pipe {}: {} -> {}", pipe, PipeState.SETUP.label(), start.label());
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
        if (swapReady && swapAt < 0) {
            swapAt = context.getCheckpointId();
        }
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        super.notifyCheckpointComplete(checkpointId);
        if (swapReady && swapAt >= 0 && checkpointId >= swapAt) {
            finishLoad();
        }
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

    /**
     * Gauges of what is durable in ClickHouse, from checkpointed state (so they survive restarts), in the
     * groups {@code pipe=<name>} and {@code pipe=<name>,table=<source table>}. The state is a number:
     * {@link PipeState#code()}.
     */
    private void registerMetrics() {
        MetricGroup pipeGroup = getMetricGroup().addGroup("pipe", pipe);
        pipeGroup.gauge("state", () -> progress.state().code());
        pipeGroup.gauge("generation", () -> run.generation());
        for (String table : tables) {
            MetricGroup t = pipeGroup.addGroup("table", table);
            t.gauge("partitionsDone", () -> table(table).unitsDone().size());
            t.gauge("partitionsTotal", () -> table(table).unitsTotal());
            t.gauge("rowsSnapshotted", () -> table(table).snapshotRows());
            t.gauge("inserts", () -> table(table).inserts());
            t.gauge("updates", () -> table(table).updates());
            t.gauge("deletes", () -> table(table).deletes());
            t.gauge("changesApplied", () -> table(table).changes());
            t.gauge("batches", () -> table(table).batches());
        }
    }

    private TableProgress table(String table) {
        return progress.tables().getOrDefault(table, TableProgress.empty(table));
    }

    /**
     * When the run's load is durable, and the tables it asked the change stream to copy again were
     * copied and swapped in: Snapshot moves on at once. A resync of a pipe that goes on streaming
     * swaps its load's copies in only when a checkpoint taken after that completes: a failure before
     * it restores readers that still write into the copies, which must still be there. (A
     * snapshot-only pipe's job ends with its load; it swaps at once.)
     */
    private void advance() {
        PipeState state = progress.state();
        if ((state == PipeState.SNAPSHOT || state == PipeState.RESYNC) && progress.snapshotDone(run.loadTables())
                && progress.reloadsDone(run.reloadTables())) {
            publishProgress();
            if (run.resyncTables().isEmpty() || afterLoad != PipeState.RUNNING) {
                finishLoad();
            } else {
                swapReady = true;
            }
        }
    }

    /** Swaps the resync copies in (if any) and moves the pipe on. */
    private void finishLoad() {
        PipeState state = progress.state();
        for (String table : run.resyncTables()) {
            ClickHouseDestinationLayout layout = destination.layout(client);
            ClickHouseResync.swapIn(client, layout, targets.get(table), run.generation());
            ClickHouseCurrentView.refresh(client, layout, targets.get(table), views.get(table));
            LOG.info("pipe {}: resync copy of {} swapped in", pipe, table);
        }
        swapReady = false;
        swapAt = -1;
        transition(afterLoad, (state == PipeState.RESYNC ? "resync" : "initial load") + " of "
                + (run.loadTables().size() + run.reloadTables().size()) + " tables done");
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
