package dev.ferry.operators.postgres;

import org.apache.flink.api.connector.source.SourceEvent;

/** Messages between the snapshot enumerator and its readers. */
final class SnapshotEvents {
    private SnapshotEvents() {}

    /** Reader to enumerator: every row of this partition has been emitted. */
    record PartitionFinished(CtidPartition partition) implements SourceEvent {}

    /** Reader to enumerator: send me the snapshot to import. */
    record SnapshotRequest() implements SourceEvent {}

    /** Enumerator to reader: import this exported snapshot; its rows carry {@code version}. */
    record SnapshotGrant(String snapshotId, long version) implements SourceEvent {}
}
