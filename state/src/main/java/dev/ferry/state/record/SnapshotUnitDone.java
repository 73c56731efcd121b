package dev.ferry.state.record;

/**
 * The initial load finished one unit (a partition) of a table: {@code unitIndex} of {@code unitCount}
 * units, {@code rows} rows read. The unit id is stable across restarts.
 */
public record SnapshotUnitDone(String unitId, int unitIndex, int unitCount, long rows) implements Marker {}
