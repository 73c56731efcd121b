package dev.ferry.operators.postgres.stream;

import java.util.List;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;

/**
 * Hands the one change stream to the one reader. Once assigned, its position lives in the reader's
 * checkpointed state; a split comes back only when the reader failed before a checkpoint took it.
 */
final class WalEnumerator implements SplitEnumerator<WalSplit, WalEnumerator.State> {
    /** The split not yet handed out, or null once it is. */
    record State(WalSplit unassigned) {}

    private final SplitEnumeratorContext<WalSplit> context;
    private WalSplit unassigned;

    WalEnumerator(SplitEnumeratorContext<WalSplit> context, State state) {
        this.context = context;
        this.unassigned = state.unassigned();
    }

    @Override
    public void start() {}

    @Override
    public void addReader(int subtaskId) {
        if (unassigned != null) {
            context.assignSplit(unassigned, subtaskId);
            unassigned = null;
        }
    }

    @Override
    public void addSplitsBack(List<WalSplit> splits, int subtaskId) {
        // Flink also calls this with nothing when the reader fails after a checkpoint took its split.
        if (!splits.isEmpty()) {
            unassigned = splits.get(0);
        }
    }

    @Override
    public void handleSplitRequest(int subtaskId, String requesterHostname) {
        // The split is pushed when the reader registers.
    }

    @Override
    public State snapshotState(long checkpointId) {
        return new State(unassigned);
    }

    @Override
    public void close() {}
}
