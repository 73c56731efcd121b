package dev.ferry.operators.clickhouse;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.ServerException;
import com.clickhouse.client.api.insert.InsertResponse;
import com.clickhouse.client.api.insert.InsertSettings;
import com.clickhouse.data.ClickHouseFormat;
import dev.ferry.operators.PipeSetupException;
import dev.ferry.state.record.ChangeRecord;
import dev.ferry.state.record.ChangeVersions;
import dev.ferry.state.record.DurableProgress;
import dev.ferry.state.lifecycle.PipeState;
import dev.ferry.state.record.SchemaChanged;
import dev.ferry.state.record.TableReloaded;
import dev.ferry.state.record.TableReloading;
import dev.ferry.state.record.SnapshotUnitDone;
import dev.ferry.state.record.SnapshotRestarted;
import dev.ferry.state.record.Truncated;
import dev.ferry.state.schema.ColumnType;
import dev.ferry.state.schema.TableSchema;
import dev.ferry.state.spec.DestinationTable;
import dev.ferry.state.spec.DestinationOptions;
import dev.ferry.state.spec.PipeSettings;
import dev.ferry.state.spec.PipeSpec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeutils.base.array.BytePrimitiveArraySerializer;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.ChainingStrategy;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a pipe's rows to ClickHouse. Rows are buffered per table as RowBinary and a table's buffer
 * is written when it reaches the pull batch size, when its oldest row has waited the sync interval,
 * before every checkpoint barrier, and at end of input. Each insert carries an
 * {@code insert_deduplication_token} derived from its content, so a batch retried after a failure is
 * dropped by ClickHouse.
 *
 * <p>After every full flush it emits what it made durable ({@link DurableProgress}) downstream to the
 * pipe's lifecycle, ahead of the barrier, so the lifecycle's checkpoint holds exactly the progress
 * whose rows are in ClickHouse. (Not a Sink V2 committer: Flink drops a post-commit topology's
 * committables of the final checkpoint, FLINK-38614, and a snapshot-only pipe would never complete.)
 */
public final class ClickHouseWriter extends AbstractStreamOperator<DurableProgress>
        implements OneInputStreamOperator<ChangeRecord, DurableProgress>, BoundedOneInput {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ClickHouseWriter.class);
    /** A buffer is also written when it grows past this, whatever the row count. */
    /**
     * Bytes a writer holds across its tables' buffers before it writes the largest: memory stays flat
     * however many tables a pipe has (each table's buffer also stops at pull_batch_size rows).
     */
    private static final long MAX_BUFFERED_BYTES = 64 << 20;
    /** Rows between two sums of the buffers' sizes (a sum per row would cost more than it saves). */
    private static final int ROWS_PER_BUDGET_CHECK = 1_024;
    private static final int ATTEMPTS = 4;
    /** Server errors worth retrying (overload, timeouts, replication hiccups); others fail at once. */
    private static final Set<Integer> RETRYABLE_CODES = Set.of(3, 159, 202, 209, 210, 241, 242, 252, 285, 319, 425, 999);
    private static final int UNKNOWN_TABLE = 60;

    private final String pipe;
    private final ClickHouseConnections connections;
    private final String statusDatabase;
    private final List<TableSchema> tables;
    private final Map<String, List<String>> copies;
    private final int batchRows;
    private final long syncIntervalMillis;
    /** dropped_columns: drop. */
    private final boolean dropDropped;

    private transient Client client;
    private transient ClickHouseDestinationLayout layout;
    private transient Map<String, TableBuffer> buffers;
    private transient int rowsSinceBudgetCheck;
    private transient DurableProgress.Builder progress;
    private transient Map<String, ClickHouseTableMetrics> metrics;
    /** Tables whose columns no longer fit the source, written only through their resync copy until the swap. */
    private transient Set<String> replaced;
    /**
     * Tables that do not fit the schema their rows come in, with why: until the change stream sends
     * one they fit (it does at start when it continues with older columns) or copies them again.
     */
    private transient Map<String, String> unfit;
    /** Tables being copied again by the change stream, with the comment that names their copy. */
    private transient Map<String, String> reloads;
    private transient ClickHouseStatusTables status;
    /** Deletes of keyless tables' rows, which wait until the row they remove is in ClickHouse. */
    private transient ClickHouseKeylessDeletes keylessDeletes;
    private transient ListState<byte[]> keylessState;
    /** How each table's ClickHouse table is made beyond its columns: for the copies made of it, its view. */
    private final Map<String, DestinationTable> destinations = new java.util.HashMap<>();
    private transient long keylessAttemptMillis;

    /** Which rows a writer writes, which decides what else it does. */
    public enum Role {
        /** An initial load that no change stream follows up on: a table that stops fitting its rows fails the pipe. */
        LOAD,
        /**
         * An initial load beside a change stream that copies again every table changed at the source in
         * a way its ClickHouse table cannot follow (Postgres CDC): it leaves such a table's rows to that copy.
         */
        LOAD_BESIDE_CHANGES,
        /** The change stream: it also removes the deleted rows of tables with {@code deletes: hard}. */
        CHANGES
    }

    private final Role role;
    private final long purgeIntervalMillis;
    private transient long nextPurgeMillis;
    /** Tables whose load rows are left to the change stream, logged once each. */
    private transient Set<String> leftToStream;

    /**
     * @param copies per source table, other ClickHouse tables that get the same rows (resync copies)
     */
    public ClickHouseWriter(PipeSpec spec, List<TableSchema> tables, Map<String, List<String>> copies, Role role) {
        this.role = role;
        this.purgeIntervalMillis = spec.setting(PipeSettings.HARD_DELETE_INTERVAL_SECONDS) * 1000L;
        this.pipe = spec.name();
        this.connections = new ClickHouseConnections(spec.destination());
        this.statusDatabase = spec.destination().get(DestinationOptions.STATUS_DATABASE);
        this.tables = new ArrayList<>(tables);
        spec.tables().forEach(t -> destinations.put(t.sourceId(), t.destination()));
        this.copies = new java.util.HashMap<>(copies);
        this.batchRows = spec.setting(PipeSettings.PULL_BATCH_SIZE);
        this.syncIntervalMillis = spec.setting(PipeSettings.SYNC_INTERVAL_SECONDS) * 1000L;
        this.dropDropped = spec.setting(PipeSettings.DROPPED_COLUMNS) == PipeSettings.DroppedColumns.DROP;
        // Chained to its source: rows pass by reference, never serialized (operators default to HEAD).
        setChainingStrategy(ChainingStrategy.ALWAYS);
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        keylessDeletes = new ClickHouseKeylessDeletes();
        keylessState = context.getOperatorStateStore()
                .getListState(new ListStateDescriptor<>("keyless-deletes", BytePrimitiveArraySerializer.INSTANCE));
        for (byte[] stored : keylessState.get()) {
            keylessDeletes.restore(stored);
        }
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        keylessState.update(List.of(keylessDeletes.snapshot()));
    }

    @Override
    public void open() throws Exception {
        super.open();
        client = connections.open();
        layout = connections.layout(client);
        LOG.info("writing to {}", layout);
        buffers = new HashMap<>();
        metrics = new HashMap<>();
        replaced = new java.util.HashSet<>();
        unfit = new HashMap<>();
        leftToStream = new java.util.HashSet<>();
        reloads = new HashMap<>();
        status = new ClickHouseStatusTables(client, statusDatabase);
        for (TableSchema t : tables) {
            // json_type: auto as Setup (or a resync copy's creation) decided, by the table as it exists
            destinations.computeIfPresent(t.sourceId(), (id, d) -> ClickHouseTypes.decideJson(client, layout.database(),
                    t.target(), d));
        }
        for (TableSchema t : tables) {
            ClickHouseTableMetrics m = new ClickHouseTableMetrics(getMetricGroup(), pipe, t.sourceId());
            metrics.put(t.sourceId(), m);
            List<String> tableCopies = copies.getOrDefault(t.sourceId(), List.of());
            buffers.put(t.sourceId(), buffer(reconcile(t, tableCopies), tableCopies));
            // Deletes checkpointed for a reload copy were taken mid-copy: the change stream makes that
            // copy again from a new snapshot, which holds their effect, and the old copy may be gone.
            keylessDeletes.forgetTarget(t.sourceId(), ClickHouseResync.reloadOf(t.target()));
        }
        progress = new DurableProgress.Builder();
        nextPurgeMillis = getProcessingTimeService().getCurrentProcessingTime() + purgeIntervalMillis;
        scheduleSyncTimer();
    }

    @Override
    public void processElement(StreamRecord<ChangeRecord> element) throws Exception {
        ChangeRecord record = element.getValue();
        TableBuffer buffer = buffers.get(record.table());
        if (buffer == null) {
            throw new IOException("no destination table for " + record.table());
        }
        if (record.marker() instanceof SnapshotUnitDone unit) {
            // Reported at the next full flush, after every row before it has been written.
            progress.unitDone(record.table(), unit);
            return;
        }
        if (record.marker() instanceof SchemaChanged changed) {
            changeSchema(buffer, changed.schema());
            return;
        }
        if (record.marker() instanceof Truncated truncated) {
            truncate(buffer, truncated);
            return;
        }
        if (record.marker() instanceof SnapshotRestarted restarted) {
            dropOlderSnapshots(buffer, restarted);
            return;
        }
        if (record.marker() instanceof TableReloading reloading) {
            startReload(buffer, reloading);
            return;
        }
        if (record.marker() instanceof TableReloaded reloaded) {
            finishReload(buffer, reloaded);
            return;
        }
        if (ClickHouseKeylessDeletes.byContent(buffer.schema(), record)) {
            keylessDeletes.add(targets(buffer), record);
            if (keylessDeletes.waiting(record.table()) >= batchRows) {
                write(buffer);
            }
            return;
        }
        buffer.add(record, getProcessingTimeService().getCurrentProcessingTime());
        if (buffer.count() >= batchRows) {
            write(buffer);
        } else if (++rowsSinceBudgetCheck >= ROWS_PER_BUDGET_CHECK) {
            rowsSinceBudgetCheck = 0;
            keepToBudget();
        }
    }

    /** What one table's buffer keeps between batches: the budget shared by the tables, so a busy table reuses its array. */
    private int retainedBytes() {
        return (int) (MAX_BUFFERED_BYTES / Math.max(1, buffers.size()));
    }

    private void keepToBudget() throws IOException, InterruptedException {
        long total = 0;
        TableBuffer largest = null;
        for (TableBuffer b : buffers.values()) {
            total += b.bytes();
            if (largest == null || b.bytes() > largest.bytes()) {
                largest = b;
            }
        }
        if (total >= MAX_BUFFERED_BYTES) {
            write(largest);
        }
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        super.prepareSnapshotPreBarrier(checkpointId);
        flushAll();
    }

    @Override
    public void endInput() throws Exception {
        flushAll();
    }

    /** Writes every buffer, then sends on what is now durable. */
    private void flushAll() throws IOException, InterruptedException {
        for (TableBuffer buffer : buffers.values()) {
            if (buffer.count() > 0 || keylessDeletes.waiting(buffer.schema().sourceId()) > 0) {
                write(buffer);
            }
        }
        DurableProgress durable = progress.drain();
        if (!durable.isEmpty()) {
            output.collect(new StreamRecord<>(durable));
        }
    }

    /** Rows before the change are written with the old columns; then the table is brought in line. */
    private void changeSchema(TableBuffer buffer, TableSchema schema) throws IOException, InterruptedException {
        if (buffer.count() > 0) {
            write(buffer);
        }
        buffers.put(schema.sourceId(), buffer(reconcile(schema, buffer.copies()), buffer.copies()));
    }

    /**
     * The table's load started over under a newer snapshot: rows of older snapshots still in
     * ClickHouse were read again by now or will be, or are gone at the source. Every such row was
     * written before the restart that made the new snapshot, so none arrives after this. While a
     * resync copy is being loaded only the copy is cleared; the table it replaces stays whole.
     */
    private void dropOlderSnapshots(TableBuffer buffer, SnapshotRestarted restarted)
            throws IOException, InterruptedException {
        List<String> where = buffer.copies().isEmpty() ? targets(buffer) : buffer.copies();
        for (String target : where) {
            ClickHouseConnections.execute(client, ClickHouseTableDdl.deleteSnapshotsBefore(layout, target,
                    restarted.version()));
        }
        LOG.info("{}: its load started over under snapshot version {}; rows of older snapshots deleted",
                buffer.schema().sourceId(), restarted.version());
    }

    /**
     * Rows before the TRUNCATE are written, then every change before it and every row of a snapshot
     * older than its commit deleted (a newer snapshot's rows already show what followed it). It is recorded
     * first, so an initial-load writer that writes rows of a snapshot older than the TRUNCATE after
     * this delete finds it and deletes them (see {@link #write}): whichever runs last, none is left.
     */
    private void truncate(TableBuffer buffer, Truncated truncated) throws IOException, InterruptedException {
        if (buffer.count() > 0) {
            write(buffer);
        }
        String table = buffer.schema().sourceId();
        keylessDeletes.forget(table); // the rows they would remove are gone
        status.recordTruncation(pipe, table, truncated.commitPosition());
        for (String target : targets(buffer)) {
            ClickHouseConnections.execute(client, ClickHouseTableDdl.deleteTruncated(layout, target, truncated.version(),
                    truncated.commitPosition()));
        }
        LOG.info("{} truncated at the source: rows before it deleted", table);
    }

    /**
     * The table is copied again into a fresh one: rows buffered for it are dropped (the copy's
     * snapshot holds their effect, and they may not fit the old table), its rows go to the copy only.
     */
    private void startReload(TableBuffer buffer, TableReloading reloading) {
        String table = reloading.schema().sourceId();
        TableSchema schema = ClickHouseTypeOverrides.apply(reloading.schema(), destination(table));
        keylessDeletes.forget(table);
        String copy = ClickHouseResync.reloadOf(schema.target());
        String comment = ClickHouseResync.reloadMarker(reloading.version());
        ClickHouseResync.createCopy(client, layout, schema, destination(table), copy, comment);
        reloads.put(table, comment);
        replaced.add(table);
        unfit.remove(table);
        buffers.put(table, buffer(schema, List.of(copy)));
        recordEvent(table + ": " + reloading.reason() + "; copying it again into " + copy);
    }

    /** The copy is complete: it replaces the table, and rows go to the table (and its resync copies) again. */
    private void finishReload(TableBuffer buffer, TableReloaded reloaded) throws IOException, InterruptedException {
        String table = buffer.schema().sourceId();
        write(buffer);
        String copy = ClickHouseResync.reloadOf(buffer.schema().target());
        ClickHouseResync.swapIn(client, layout, buffer.schema().target(), copy, reloads.remove(table));
        keylessDeletes.retarget(table, copy, buffer.schema().target());
        progress.reloaded(table);
        replaced.remove(table);
        List<String> tableCopies = copies.getOrDefault(table, List.of());
        buffers.put(table, buffer(reconcile(buffer.schema(), tableCopies), tableCopies));
        recordEvent(table + ": copied again (" + reloaded.rows() + " rows), in place of the old table");
    }

    /** A buffer for rows of {@code schema}'s table (as ClickHouse has it), written to it and to {@code copies}. */
    private TableBuffer buffer(TableSchema schema, List<String> copies) {
        DestinationTable destination = destination(schema.sourceId());
        ClickHouseTableMetrics counted = metrics.get(schema.sourceId());
        RowBinaryEncoder.Adjustments adjustments = counted::adjusted;
        if (destination.decimalOutOfRange() == DestinationTable.DecimalOutOfRange.FAIL) {
            adjustments = (column, value, written, key) -> {
                if (written == null && column.type().kind() == ColumnType.Kind.DECIMAL) {
                    throw new SuppressRestartsException(new IllegalStateException(schema.sourceId() + ": " + value
                            + " (key " + key + ") does not fit column " + column.name() + " " + ClickHouseTypes.of(column)
                            + " and decimal_out_of_range is fail: widen it (ferry edit " + pipe + " --table "
                            + schema.sourceId() + " --set column_types=..., which copies the table again) or set"
                            + " decimal_out_of_range: write_null"));
                }
                counted.adjusted(column, value, written, key);
            };
        }
        return new TableBuffer(schema, copies, adjustments, dropDropped, destination.nonNullable());
    }

    private DestinationTable destination(String table) {
        return destinations.getOrDefault(table, DestinationTable.DEFAULT);
    }

    /** A row in pipe_states that leaves the state as it is and says what happened. */
    private void recordEvent(String what) {
        PipeState now = status.lastState(pipe).orElse(PipeState.RUNNING);
        status.recordState(pipe, now, now, what);
        LOG.info("{}", what);
    }

    /** The tables a buffer's rows go to: its resync copies, and its table unless a copy replaces it. */
    private List<String> targets(TableBuffer buffer) {
        List<String> targets = new ArrayList<>(buffer.copies());
        if (!replaced.contains(buffer.schema().sourceId())) {
            targets.add(buffer.schema().target());
        }
        return targets;
    }

    /**
     * Brings the table (and its resync copies) in line with {@code schema} before rows are written:
     * at every start, since the source may have changed while the pipe was stopped, and at every
     * schema change. Returns the schema to encode rows with: a column Nullable in ClickHouse is
     * written as Nullable. A table with a column that cannot be changed in place is not written
     * ({@link #unfit}) rather than store values differently.
     */
    private TableSchema reconcile(TableSchema source, List<String> tableCopies) {
        TableSchema schema = ClickHouseTypeOverrides.apply(source, destination(source.sourceId()));
        List<String> targets = new ArrayList<>(tableCopies);
        targets.add(0, schema.target());
        Set<String> nullableThere = new java.util.HashSet<>();
        for (String target : targets) {
            Map<String, ClickHouseTableDdl.ExistingColumn> existing = new HashMap<>();
            for (var r : ClickHouseConnections.queryAll(client, "SELECT name, type, comment, is_in_sorting_key FROM"
                    + " system.columns WHERE database = " + ClickHouseSql.quoteLiteral(layout.database()) + " AND table = "
                    + ClickHouseSql.quoteLiteral(target))) {
                existing.put(r.getString(1), ClickHouseTableDdl.ExistingColumn.of(r.getString(2), r.getString(3),
                        r.getLong(4) != 0));
            }
            if (existing.isEmpty()) {
                continue; // a resync copy already swapped in and dropped
            }
            ClickHouseTableDdl.Reconciliation r = ClickHouseTableDdl.reconcile(layout, schema.withTarget(target), existing,
                    dropDropped);
            if (!r.problems().isEmpty()) {
                if (target.equals(schema.target()) && !tableCopies.isEmpty()) {
                    // Being resynced: the copy replaces this table, which is not written until then.
                    LOG.warn("{}; writing only its resync copy until it is swapped in", String.join("; ", r.problems()));
                    replaced.add(schema.sourceId());
                    continue;
                }
                unfit.put(schema.sourceId(), String.join("; ", r.problems()));
                continue;
            }
            if (target.equals(schema.target())) {
                unfit.remove(schema.sourceId());
            }
            for (String alter : r.statements()) {
                ClickHouseConnections.execute(client, alter);
                LOG.info("{}", alter);
            }
            if (target.equals(schema.target())) {
                ClickHouseCurrentView.refresh(client, layout, target, destination(schema.sourceId()).currentView());
            }
            nullableThere.addAll(r.nullableThere());
        }
        if (nullableThere.isEmpty()) {
            return schema;
        }
        return schema.withColumns(schema.columns().stream().map(c -> nullableThere.contains(c.name())
                ? c.asNullable() : c).toList());
    }

    /**
     * Looks ten times per sync interval for a buffer whose oldest row has waited the interval, so no
     * row waits much longer than that (checking once per interval would let it wait almost two).
     */
    private void scheduleSyncTimer() {
        long now = getProcessingTimeService().getCurrentProcessingTime();
        getProcessingTimeService().registerTimer(now + Math.max(50, syncIntervalMillis / 10), time -> {
            boolean retryKeyless = time - keylessAttemptMillis >= syncIntervalMillis;
            for (TableBuffer buffer : buffers.values()) {
                if (buffer.count() > 0 && time - buffer.firstRowAtMillis() >= syncIntervalMillis
                        || retryKeyless && keylessDeletes.waiting(buffer.schema().sourceId()) > 0) {
                    write(buffer);
                }
            }
            if (retryKeyless) {
                keylessAttemptMillis = time;
            }
            if (role == Role.CHANGES && time >= nextPurgeMillis) {
                nextPurgeMillis = time + purgeIntervalMillis;
                try {
                    purgeDeleted();
                } catch (RuntimeException e) {
                    // ClickHouse away for a moment: the rows are soft-deleted meanwhile, and nothing is lost by waiting
                    LOG.warn("removing rows deleted at the source failed ({}); trying again in {} s",
                            PipeSetupException.firstLine(e), purgeIntervalMillis / 1000);
                }
            }
            scheduleSyncTimer();
        });
    }

    /**
     * Tables with {@code deletes: hard} lose their deleted rows for good
     * ({@link ClickHouseTableDdl#purgeDeleted}), and rows a TRUNCATE's DELETE only hid. Only while the
     * pipe is Running, and not in a table being copied again: an initial load or a copy may still bring
     * an older version of a deleted row, which would come back if its delete were gone. A table whose
     * last purge is still running is left to the next time.
     */
    private void purgeDeleted() {
        List<TableBuffer> hard = buffers.values().stream().filter(b -> {
            String table = b.schema().sourceId();
            return destination(table).deletes() == DestinationTable.Deletes.HARD && !replaced.contains(table)
                    && !reloads.containsKey(table) && !unfit.containsKey(table);
        }).toList();
        if (hard.isEmpty() || status.lastState(pipe).orElse(null) != PipeState.RUNNING) {
            return;
        }
        for (TableBuffer b : hard) {
            String target = b.schema().target();
            String where = " WHERE database = " + ClickHouseSql.quoteLiteral(layout.database()) + " AND table = "
                    + ClickHouseSql.quoteLiteral(target);
            if (count("SELECT count() FROM system.mutations" + where + " AND NOT is_done") > 0) {
                continue;
            }
            if (count("SELECT count() FROM " + ClickHouseSql.qualified(layout.database(), layout.insertTable(target))
                    + " WHERE " + ClickHouseSql.quoteIdent(ClickHouseTableDdl.IS_DELETED) + " = 1") > 0) {
                ClickHouseConnections.execute(client, ClickHouseTableDdl.purgeDeleted(layout, target,
                        ClickHouseTableDdl.sortingColumns(b.schema(), destination(b.schema().sourceId()))));
                LOG.info("{}: removing the rows deleted at the source from {}", b.schema().sourceId(), target);
            }
            if (count("SELECT count() FROM system.parts" + where + " AND active AND has_lightweight_delete") > 0) {
                ClickHouseConnections.execute(client, ClickHouseTableDdl.applyDeletedMask(layout, target));
            }
        }
    }

    private long count(String sql) {
        return ClickHouseConnections.queryAll(client, sql).get(0).getLong(1);
    }

    /**
     * Writes a buffer to its resync copies, then to its table. In that order the table that ends up
     * in the original's place always gets the batch, even when the swap falls between the inserts:
     * before it the copy is that table, after it the original's name is.
     */
    private void write(TableBuffer buffer) throws IOException, InterruptedException {
        if (supersededByReload(buffer)) {
            buffer.reportTo(progress);
            buffer.clear(retainedBytes());
            return;
        }
        String why = unfit.get(buffer.schema().sourceId());
        if (why != null && !replaced.contains(buffer.schema().sourceId())) {
            if (role != Role.LOAD_BESIDE_CHANGES) {
                throw new SuppressRestartsException(new IllegalStateException(why));
            }
            // The stream copies the table once it sees the change: the copy and the changes after it hold these rows.
            if (leftToStream.add(buffer.schema().sourceId())) {
                LOG.info("{}: its initial load's rows are left to the change stream, which copies it again ({})",
                        buffer.schema().sourceId(), why);
            }
            buffer.reportTo(progress);
            buffer.clear(retainedBytes());
            return;
        }
        long start = System.nanoTime();
        for (java.util.Iterator<String> it = buffer.copies().iterator(); it.hasNext(); ) {
            String copy = it.next();
            try {
                if (buffer.count() > 0) {
                    insert(buffer, copy);
                }
            } catch (IOException e) {
                if (!(ClickHouseConnections.rootCause(e) instanceof ServerException se) || se.getCode() != UNKNOWN_TABLE) {
                    throw e;
                }
                // The resync swapped the copy in and dropped the old table under this name: done with it.
                LOG.info("{} is gone (resync finished); no longer writing {} there", copy, buffer.schema().sourceId());
                keylessDeletes.forgetTarget(buffer.schema().sourceId(), copy);
                it.remove();
            }
        }
        if (buffer.copies().isEmpty()) {
            replaced.remove(buffer.schema().sourceId());
        }
        if (!replaced.contains(buffer.schema().sourceId()) && buffer.count() > 0) {
            insert(buffer, buffer.schema().target());
        }
        deleteByContent(buffer);
        if (buffer.lowestSnapshotVersion() != Long.MAX_VALUE) {
            // Initial-load rows of a snapshot that did not see a TRUNCATE replicated meanwhile are gone at the source.
            long truncatedAt = status.lastTruncation(pipe, buffer.schema().sourceId());
            if (truncatedAt >= buffer.lowestSnapshotVersion()) {
                for (String target : targets(buffer)) {
                    ClickHouseConnections.execute(client, ClickHouseTableDdl.deleteTruncated(layout, target,
                            ChangeVersions.CHANGE_BIT, truncatedAt));
                }
            }
        }
        long tookMillis = (System.nanoTime() - start) / 1_000_000;
        metrics.get(buffer.schema().sourceId()).written(buffer.count(), tookMillis, buffer.newestSourceMillis(),
                System.currentTimeMillis());
        buffer.reportTo(progress);
        LOG.debug("wrote {} rows ({} bytes) of {} in {} ms", buffer.count(), buffer.bytes(), buffer.schema().sourceId(),
                tookMillis);
        buffer.clear(retainedBytes());
    }

    /**
     * Initial-load rows of a table the change stream copied again since, under a later snapshot: the
     * copy holds what they would write (and maybe other columns), so they are dropped.
     */
    private boolean supersededByReload(TableBuffer buffer) {
        if (buffer.lowestSnapshotVersion() == Long.MAX_VALUE || reloads.containsKey(buffer.schema().sourceId())) {
            return false;
        }
        long reloadedAt = ClickHouseResync.reloadedAt(client, layout.database(), buffer.schema().target());
        if (Long.compareUnsigned(reloadedAt, buffer.lowestSnapshotVersion()) <= 0) {
            return false;
        }
        LOG.info("{}: {} rows of an older snapshot than its copy's are not written", buffer.schema().sourceId(),
                buffer.count());
        return true;
    }

    /** Applies the keyless table's waiting deletes whose rows are written by now (see {@link ClickHouseKeylessDeletes}). */
    private void deleteByContent(TableBuffer buffer) throws IOException, InterruptedException {
        String table = buffer.schema().sourceId();
        if (keylessDeletes.waiting(table) == 0) {
            return;
        }
        boolean reported = false;
        for (Map.Entry<String, List<ChangeRecord>> e : keylessDeletes.match(client, layout, buffer.schema(),
                destination(table).nonNullable()).entrySet()) {
            if (e.getValue().isEmpty()) {
                continue;
            }
            TableBuffer tombstones = buffer(buffer.schema(), List.of());
            e.getValue().forEach(d -> tombstones.add(d, 0L));
            insert(tombstones, e.getKey());
            if (!reported) {
                tombstones.reportTo(progress); // counted once, whichever tables got them
                reported = true;
            }
        }
        if (keylessDeletes.waiting(table) > 0) {
            LOG.debug("{}: {} deletes wait for their rows to be copied", table, keylessDeletes.waiting(table));
        }
    }

    private void insert(TableBuffer buffer, String target) throws IOException, InterruptedException {
        String token = pipe + ":" + target + ":" + buffer.count() + ":" + buffer.rows().sha256();
        // Synchronous: a batch is durable when the insert returns (servers from 26.2 default to async inserts).
        InsertSettings settings = new InsertSettings()
                .setDeduplicationToken(token)
                .serverSetting("insert_deduplicate", "1")
                .serverSetting("async_insert", "0");
        ClickHouseTypes.insertSettings(buffer.schema()).forEach(settings::serverSetting);
        layout.insertSettings().forEach(settings::serverSetting);
        String table = ClickHouseSql.qualified(connections.database(), layout.insertTable(target));
        List<String> columns = buffer.columns().stream().map(ClickHouseSql::quoteIdent).toList();
        for (int attempt = 1; ; attempt++) {
            try (InsertResponse response = client.insert(table, columns, out -> buffer.rows().writeTo(out),
                            ClickHouseFormat.RowBinary, settings)
                    .get(10, TimeUnit.MINUTES)) {
                return;
            } catch (ExecutionException | TimeoutException | RuntimeException e) {
                Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
                boolean retryable = !(cause instanceof ServerException se) || RETRYABLE_CODES.contains(se.getCode());
                if (!retryable || attempt == ATTEMPTS) {
                    throw new IOException("writing " + buffer.count() + " rows to " + table + " failed: "
                            + ClickHouseDestinationCheck.explain(ClickHouseConnections.rootCause(e)), e);
                }
                long backoff = 500L << attempt;
                LOG.warn("writing {} rows to {} failed (attempt {} of {}), retrying in {} ms: {}", buffer.count(), table,
                        attempt, ATTEMPTS, backoff, cause.getMessage());
                Thread.sleep(backoff);
            } catch (Exception closeFailure) {
                throw new IOException(closeFailure);
            }
        }
    }

    @Override
    public void close() throws Exception {
        if (client != null) {
            client.close();
        }
        super.close();
    }
}
