package dev.ferry.operators.postgres.snapshot;

import dev.ferry.operators.load.StartedOver;
import java.util.Map;
import org.apache.flink.api.connector.source.SourceEvent;

/** Messages between the Postgres snapshot enumerator and its readers, beyond the generic ones (LoadEvents). */
final class SnapshotEvents {
    private SnapshotEvents() {}

    /** Reader to enumerator: send me the snapshot to import. */
    record SnapshotRequest() implements SourceEvent {}

    /**
     * Enumerator to reader: import this exported snapshot; its rows carry {@code version}.
     * {@code startedOver} names the tables whose load started over, with their current plan (others:
     * plan 0): partitions of an older plan are skipped.
     */
    record SnapshotGrant(String snapshotId, long version, Map<String, StartedOver> startedOver)
            implements SourceEvent {
        int passOf(String table) {
            StartedOver s = startedOver.get(table);
            return s == null ? 0 : s.pass();
        }
    }

    /** Reader to enumerator: the table's files changed since plan {@code pass} was made; its ctids mean nothing now. */
    record TableRewritten(String table, int pass) implements SourceEvent {}
}
