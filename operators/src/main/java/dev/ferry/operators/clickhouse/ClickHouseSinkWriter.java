package dev.ferry.operators.clickhouse;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.ServerException;
import com.clickhouse.client.api.insert.InsertResponse;
import com.clickhouse.client.api.insert.InsertSettings;
import com.clickhouse.data.ClickHouseFormat;
import dev.ferry.state.record.ChangeRecord;
import dev.ferry.state.record.DurableProgress;
import dev.ferry.state.record.SnapshotUnitDone;
import dev.ferry.state.schema.TableSchema;
import java.io.IOException;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Buffers rows per table as RowBinary and writes a table's buffer when it reaches the pull batch
 * size, when its oldest row has waited the sync interval, and before every checkpoint. Each insert
 * carries an {@code insert_deduplication_token} derived from its content, so a batch retried after a
 * failure is dropped by ClickHouse. At a checkpoint it hands on what it made durable.
 */
final class ClickHouseSinkWriter implements CommittingSinkWriter<ChangeRecord, DurableProgress> {
    private static final Logger LOG = LoggerFactory.getLogger(ClickHouseSinkWriter.class);
    /** A buffer is also written when it grows past this, whatever the row count. */
    private static final int MAX_BUFFER_BYTES = 64 << 20;
    private static final int ATTEMPTS = 4;
    /** Server errors worth retrying (overload, timeouts, replication hiccups); others fail at once. */
    private static final Set<Integer> RETRYABLE_CODES = Set.of(3, 159, 202, 209, 210, 241, 242, 252, 285, 319, 425, 999);

    private final ClickHouseSink sink;
    private final Client client;
    private final ProcessingTimeService time;
    private final Map<String, TableBuffer> buffers = new HashMap<>();
    private final DurableProgress.Builder progress = new DurableProgress.Builder();
    private final Counter rowsWritten;
    private final Counter batchesWritten;
    private volatile long lastFlushMillis;

    ClickHouseSinkWriter(ClickHouseSink sink, ProcessingTimeService time, MetricGroup metrics) {
        this.sink = sink;
        this.client = sink.connections().open();
        this.time = time;
        for (TableSchema t : sink.tables()) {
            buffers.put(t.sourceId(), new TableBuffer(t));
        }
        MetricGroup group = metrics.addGroup("ferry");
        this.rowsWritten = group.counter("rowsWritten");
        this.batchesWritten = group.counter("batchesWritten");
        group.gauge("lastFlushMillis", () -> lastFlushMillis);
        scheduleSyncTimer();
    }

    @Override
    public void write(ChangeRecord record, Context context) throws IOException, InterruptedException {
        TableBuffer buffer = buffers.get(record.table());
        if (buffer == null) {
            throw new IOException("no destination table for " + record.table());
        }
        if (record.kind() == ChangeRecord.Kind.MARKER) {
            // Reported at the next checkpoint, after every row before it has been written.
            progress.unitDone(record.table(), (SnapshotUnitDone) record.marker());
            return;
        }
        buffer.add(record, time.getCurrentProcessingTime());
        progress.written(record.table(), record.kind(), record.version());
        if (buffer.count() >= sink.batchRows() || buffer.bytes() >= MAX_BUFFER_BYTES) {
            write(buffer);
        }
    }

    @Override
    public void flush(boolean endOfInput) throws IOException, InterruptedException {
        for (TableBuffer buffer : buffers.values()) {
            if (buffer.count() > 0) {
                write(buffer);
            }
        }
    }

    @Override
    public Collection<DurableProgress> prepareCommit() {
        DurableProgress p = progress.drain();
        return p.isEmpty() ? List.of() : List.of(p);
    }

    private void scheduleSyncTimer() {
        time.registerTimer(time.getCurrentProcessingTime() + sink.syncIntervalMillis(), now -> {
            for (TableBuffer buffer : buffers.values()) {
                if (buffer.count() > 0 && now - buffer.firstRowAtMillis() >= sink.syncIntervalMillis()) {
                    write(buffer);
                }
            }
            scheduleSyncTimer();
        });
    }

    private void write(TableBuffer buffer) throws IOException, InterruptedException {
        TableSchema schema = buffer.schema();
        String token = sink.pipe() + ":" + schema.target() + ":" + buffer.count() + ":" + buffer.rows().sha256();
        InsertSettings settings = new InsertSettings()
                .setDeduplicationToken(token)
                .serverSetting("insert_deduplicate", "1")
                .serverSetting("async_insert", "0");
        String table = ClickHouseSql.qualified(sink.connections().database(), schema.target());
        List<String> columns = buffer.columns().stream().map(ClickHouseSql::quoteIdent).toList();
        long start = System.nanoTime();
        for (int attempt = 1; ; attempt++) {
            try (InsertResponse response = client.insert(table, columns, out -> buffer.rows().writeTo(out),
                            ClickHouseFormat.RowBinary, settings)
                    .get(10, TimeUnit.MINUTES)) {
                break;
            } catch (ExecutionException | java.util.concurrent.TimeoutException | RuntimeException e) {
                Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
                boolean retryable = !(cause instanceof ServerException se) || RETRYABLE_CODES.contains(se.getCode());
                if (!retryable || attempt == ATTEMPTS) {
                    throw new IOException("writing " + buffer.count() + " rows to " + table + " failed: "
                            + ClickHouseConnections.rootCause(e).getMessage(), e);
                }
                long backoff = 500L << attempt;
                LOG.warn("writing {} rows to {} failed (attempt {} of {}), retrying in {} ms: {}", buffer.count(), table,
                        attempt, ATTEMPTS, backoff, cause.getMessage());
                Thread.sleep(backoff);
            } catch (Exception closeFailure) {
                throw new IOException(closeFailure);
            }
        }
        lastFlushMillis = (System.nanoTime() - start) / 1_000_000;
        rowsWritten.inc(buffer.count());
        batchesWritten.inc();
        progress.batch(schema.sourceId());
        LOG.debug("wrote {} rows ({} bytes) to {} in {} ms", buffer.count(), buffer.bytes(), table, lastFlushMillis);
        buffer.clear();
    }

    @Override
    public void close() {
        client.close();
    }
}
