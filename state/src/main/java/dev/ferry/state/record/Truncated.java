package dev.ferry.state.record;

/**
 * The source table was emptied (TRUNCATE) by a transaction that committed at log position
 * {@code commitPosition}. Every row of the table with a lower {@code _version} than {@code version}
 * (the truncate's own change version) is gone: the changes before it, and the snapshot rows of any
 * snapshot that did not see it (their versions are snapshot positions at or below the commit).
 */
public record Truncated(long version, long commitPosition) implements Marker {}
