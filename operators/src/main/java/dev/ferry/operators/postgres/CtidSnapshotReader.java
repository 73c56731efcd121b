package dev.ferry.operators.postgres;

import dev.ferry.operators.postgres.SnapshotEvents.PartitionFinished;
import dev.ferry.operators.postgres.SnapshotEvents.SnapshotGrant;
import dev.ferry.operators.postgres.SnapshotEvents.SnapshotRequest;
import dev.ferry.state.record.ChangeRecord;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.source.reader.SingleThreadMultiplexSourceReaderBase;

/**
 * The task side of the initial load: asks for partitions one at a time, asks once for the snapshot
 * to import, and tells the enumerator when a partition's rows have all been emitted.
 */
final class CtidSnapshotReader
        extends SingleThreadMultiplexSourceReaderBase<CtidRow, ChangeRecord, CtidPartition, PartitionProgress> {

    private final CompletableFuture<SnapshotGrant> grant;
    private boolean snapshotRequested;

    CtidSnapshotReader(CtidSnapshotSource source, SourceReaderContext context, CompletableFuture<SnapshotGrant> grant) {
        super(() -> new CtidPartitionReader(source, grant),
                (row, output, progress) -> {
                    output.collect(row.record());
                    if (row.ctid() != null) {
                        progress.emitted(row.ctid());
                    }
                },
                new Configuration(),
                context);
        this.grant = grant;
    }

    @Override
    public void start() {
        if (getNumberOfCurrentlyAssignedSplits() == 0) {
            context.sendSplitRequest();
        }
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
    public void handleSourceEvents(SourceEvent event) {
        if (event instanceof SnapshotGrant g) {
            grant.complete(g);
        } else {
            super.handleSourceEvents(event);
        }
    }

    @Override
    protected void onSplitFinished(Map<String, PartitionProgress> finished) {
        // Runs on the task thread after the partition's last record (its marker) was emitted.
        for (PartitionProgress p : finished.values()) {
            context.sendSourceEventToCoordinator(new PartitionFinished(p.partition()));
        }
        context.sendSplitRequest();
    }

    @Override
    protected PartitionProgress initializedState(CtidPartition split) {
        return new PartitionProgress(split);
    }

    @Override
    protected CtidPartition toSplitType(String splitId, PartitionProgress state) {
        return state.toSplit();
    }
}
