package dev.ferry.state.record;

/**
 * The table's initial load started over, whole, under the snapshot whose rows carry {@code version}:
 * what rows of earlier snapshots said is read again or gone at the source, so they are void.
 */
public record SnapshotRestarted(long version) implements Marker {}
