package dev.ferry.operators.postgres.stream;

import dev.ferry.operators.postgres.PostgresConnections;
import dev.ferry.operators.postgres.setup.PostgresCatalog.SourceTable;
import dev.ferry.operators.source.ChangeStreamReader;
import dev.ferry.operators.source.PositionedSourceReader;
import dev.ferry.state.record.ChangeRecord;
import dev.ferry.state.schema.TableSchema;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.source.reader.fetcher.SingleThreadFetcherManager;

/**
 * The change stream's reader: emits records in WAL order and keeps the restart position of the last
 * event emitted, which checkpoints take. When a checkpoint completes, its position is confirmed to
 * the slot: the writer flushed every row before the barrier, so all of it is in ClickHouse.
 */
final class WalReader extends ChangeStreamReader<WalEvent, WalSplit, WalReader.Position> {

    /** The split's state while it is read. */
    static final class Position implements PositionedSourceReader.Position<WalSplit> {
        private long restartLsn;
        private List<Long> leaves;
        private final Map<String, TableSchema> schemas;
        private List<TableReload> reloads;
        private int reloadedRun;
        private Map<String, PostgresTableStorage> storage;
        private Map<String, Map<String, Integer>> loggedNames;

        Position(WalSplit split) {
            this.restartLsn = split.restartLsn();
            this.leaves = split.leaves();
            this.schemas = new HashMap<>(split.schemas());
            this.reloads = split.reloads();
            this.reloadedRun = split.reloadedRun();
            this.storage = split.storage();
            this.loggedNames = split.loggedNames();
        }

        @Override
        public WalSplit toSplit() {
            return new WalSplit(restartLsn, leaves, schemas, reloads, reloadedRun, storage, loggedNames);
        }

        void apply(WalEvent event) {
            if (event.leaves() != null) {
                leaves = event.leaves();
            } else if (event.schema() != null) {
                schemas.put(event.schema().sourceId(), event.schema());
            } else if (event.reloads() != null) {
                reloads = event.reloads();
            } else if (event.reloadedRun() > 0) {
                reloadedRun = event.reloadedRun();
            } else if (event.storage() != null) {
                storage = event.storage();
                loggedNames = event.loggedNames();
            } else {
                restartLsn = event.restartLsn();
            }
        }
    }

    private final AtomicLong confirm;
    private final TreeMap<Long, Long> checkpointed = new TreeMap<>();

    WalReader(PostgresConnections connections, String slot, String publication, List<SourceTable> tables,
            WalOptions options, SourceReaderContext context) {
        this(connections, slot, publication, tables, options, context, new AtomicLong());
    }

    private WalReader(PostgresConnections connections, String slot, String publication, List<SourceTable> tables,
            WalOptions options, SourceReaderContext context, AtomicLong confirm) {
        super(new SingleThreadFetcherManager<>(
                        () -> new WalFetcher(connections, slot, publication, tables, options, confirm),
                        new Configuration()),
                (event, output, position) -> {
                    if (event.record() != null) {
                        output.collect(event.record());
                    } else {
                        position.apply(event);
                    }
                },
                Position::new, context);
        this.confirm = confirm;
    }

    @Override
    public List<WalSplit> snapshotState(long checkpointId) {
        List<WalSplit> splits = super.snapshotState(checkpointId);
        if (!splits.isEmpty()) {
            checkpointed.put(checkpointId, splits.get(0).restartLsn());
        }
        return splits;
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        super.notifyCheckpointComplete(checkpointId);
        Map<Long, Long> covered = checkpointed.headMap(checkpointId, true);
        covered.values().stream().max(Long::compare).ifPresent(lsn -> confirm.accumulateAndGet(lsn, Math::max));
        covered.clear();
    }
}
