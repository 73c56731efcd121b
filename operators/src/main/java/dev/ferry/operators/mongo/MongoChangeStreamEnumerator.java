package dev.ferry.operators.mongo;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands every collection's change stream to the one reader. A stream is created once, starting at the
 * cluster time Setup took before the initial load; from then on it lives in the reader's checkpointed
 * state. A collection new to the pipe (added by a modify) gets a stream starting at this run's start
 * time, which Setup took before this run's load of it; one that left the pipe is forgotten.
 */
final class MongoChangeStreamEnumerator implements SplitEnumerator<MongoChangeStreamSplit, MongoChangeStreamEnumState> {
    private static final Logger LOG = LoggerFactory.getLogger(MongoChangeStreamEnumerator.class);

    private final SplitEnumeratorContext<MongoChangeStreamSplit> context;
    private final List<MongoChangeStreamSplit> unassigned = new ArrayList<>();
    private final Set<String> assigned = new HashSet<>();

    MongoChangeStreamEnumerator(SplitEnumeratorContext<MongoChangeStreamSplit> context, List<String> collections,
            long startAt, MongoChangeStreamEnumState state) {
        this.context = context;
        for (MongoChangeStreamSplit s : state.unassigned()) {
            if (collections.contains(s.collection())) {
                unassigned.add(s);
            }
        }
        for (String c : state.assigned()) {
            if (collections.contains(c)) {
                assigned.add(c);
            }
        }
        for (String c : collections) {
            if (!assigned.contains(c) && unassigned.stream().noneMatch(s -> s.collection().equals(c))) {
                unassigned.add(MongoChangeStreamSplit.startingAt(c, startAt));
            }
        }
    }

    @Override
    public void start() {}

    @Override
    public void addReader(int subtaskId) {
        if (!unassigned.isEmpty()) {
            LOG.info("change streams of {} go to reader {}", unassigned.stream().map(MongoChangeStreamSplit::collection).toList(),
                    subtaskId);
            for (MongoChangeStreamSplit s : unassigned) {
                context.assignSplit(s, subtaskId);
                assigned.add(s.collection());
            }
            unassigned.clear();
        }
    }

    @Override
    public void addSplitsBack(List<MongoChangeStreamSplit> splits, int subtaskId) {
        // The reader failed before a checkpoint covered them; it gets them again when it registers.
        for (MongoChangeStreamSplit s : splits) {
            assigned.remove(s.collection());
            unassigned.add(s);
        }
    }

    @Override
    public void handleSplitRequest(int subtaskId, String requesterHostname) {
        // Streams are pushed when the reader registers.
    }

    @Override
    public MongoChangeStreamEnumState snapshotState(long checkpointId) {
        return new MongoChangeStreamEnumState(unassigned, assigned);
    }

    @Override
    public void close() {}
}
