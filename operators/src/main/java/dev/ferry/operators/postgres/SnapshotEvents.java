package dev.ferry.operators.postgres;

import java.util.Map;
import org.apache.flink.api.connector.source.SourceEvent;

/** Messages between the Postgres snapshot enumerator and its readers, beyond the generic ones (LoadEvents). */
final class SnapshotEvents {
    private SnapshotEvents() {}

    /** Reader to enumerator: send me the snapshot to import. */
    record SnapshotRequest() implements SourceEvent {}

    /**
     * Enumerator to reader: import this exported snapshot; its rows carry {@code version}.
     * {@code firstSnapshot} is the load's first snapshot's transactions ({@link PostgresXidSnapshot}).
     * {@code passes} is each table's current plan (absent: 0): partitions of an older one are skipped.
     */
    record SnapshotGrant(String snapshotId, long version, String firstSnapshot, Map<String, Integer> passes)
            implements SourceEvent {
        int passOf(String table) {
            return passes.getOrDefault(table, 0);
        }
    }

    /** Reader to enumerator: the table's files changed since plan {@code pass} was made; its ctids mean nothing now. */
    record TableRewritten(String table, int pass) implements SourceEvent {}
}
