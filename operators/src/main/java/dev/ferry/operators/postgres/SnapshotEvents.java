package dev.ferry.operators.postgres;

import org.apache.flink.api.connector.source.SourceEvent;

/** Messages between the Postgres snapshot enumerator and its readers, beyond the generic ones (LoadEvents). */
final class SnapshotEvents {
    private SnapshotEvents() {}

    /** Reader to enumerator: send me the snapshot to import. */
    record SnapshotRequest() implements SourceEvent {}

    /**
     * Enumerator to reader: import this exported snapshot; its rows carry {@code version}.
     * {@code firstSnapshot} is the load's first snapshot's transactions ({@link PostgresXidSnapshot}).
     */
    record SnapshotGrant(String snapshotId, long version, String firstSnapshot) implements SourceEvent {}
}
