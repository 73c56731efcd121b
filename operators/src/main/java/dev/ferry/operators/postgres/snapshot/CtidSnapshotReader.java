package dev.ferry.operators.postgres.snapshot;

import dev.ferry.operators.load.PartitionedLoadReader;
import dev.ferry.operators.postgres.snapshot.SnapshotEvents.SnapshotGrant;
import dev.ferry.operators.postgres.snapshot.SnapshotEvents.SnapshotRequest;
import dev.ferry.operators.postgres.snapshot.SnapshotEvents.TableRewritten;
import dev.ferry.state.schema.TableSchema;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.connector.base.source.reader.splitreader.SplitReader;

/** The Postgres initial load's reader: asks once for the snapshot to import, with its first partition. */
final class CtidSnapshotReader extends PartitionedLoadReader<CtidRow, CtidPartition, CtidPartitionProgress> {

    private final CompletableFuture<SnapshotGrant> grant;
    private final CtidReadConnections connections;
    private boolean snapshotRequested;

    CtidSnapshotReader(CtidSnapshotSource source, SourceReaderContext context, CompletableFuture<SnapshotGrant> grant) {
        this(source, context, grant, new CtidReadConnections(source.connections()));
    }

    private CtidSnapshotReader(CtidSnapshotSource source, SourceReaderContext context,
            CompletableFuture<SnapshotGrant> grant, CtidReadConnections connections) {
        super(partitionReaders(source, grant, connections),
                (row, output, progress) -> {
                    if (row.rewritten() != null) {
                        context.sendSourceEventToCoordinator(
                                new TableRewritten(row.rewritten().table(), row.rewritten().pass()));
                        return;
                    }
                    output.collect(row.record());
                    if (row.ctid() != CtidRow.NO_CTID) {
                        progress.emitted(row.ctid());
                    }
                },
                CtidPartitionProgress::new, context);
        this.grant = grant;
        this.connections = connections;
    }

    /**
     * Makes the readers of partitions, one per fetcher (Flink makes a new one when an idle fetcher
     * gets work); they share their connections, and what they have logged, so a table's new shape is
     * said once per subtask.
     */
    private static Supplier<SplitReader<CtidRow, CtidPartition>> partitionReaders(CtidSnapshotSource source,
            CompletableFuture<SnapshotGrant> grant, CtidReadConnections connections) {
        Map<String, TableSchema> shapesLogged = new ConcurrentHashMap<>();
        return () -> new CtidPartitionReader(source, grant, shapesLogged, connections);
    }

    @Override
    public void addSplits(List<CtidPartition> splits) {
        if (!snapshotRequested) {
            snapshotRequested = true;
            context.sendSourceEventToCoordinator(new SnapshotRequest());
        }
        super.addSplits(splits);
    }

    @Override
    public void close() throws Exception {
        try {
            super.close(); // the fetchers, and their readers, first
        } finally {
            connections.close();
        }
    }

    @Override
    public void handleSourceEvents(SourceEvent event) {
        if (event instanceof SnapshotGrant g) {
            grant.complete(g);
        } else {
            super.handleSourceEvents(event);
        }
    }
}
