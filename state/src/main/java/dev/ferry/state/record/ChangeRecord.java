package dev.ferry.state.record;

import java.util.Arrays;
import java.util.Objects;

/**
 * The one record type both sources emit: a row of one table with its kind and version, or a
 * progress marker that travels in-band behind the rows it accounts for.
 *
 * <p>{@code values} follow the table's column order, in the canonical representation of
 * {@link dev.ferry.state.schema.ColumnType}. {@code version} orders all writes of one row: the
 * destination keeps the highest.
 */
public final class ChangeRecord {

    public enum Kind {
        /** A row read by the initial load. */
        SNAPSHOT,
        INSERT,
        UPDATE,
        /** Values hold at least the key; the destination writes a tombstone. */
        DELETE,
        /** No row: {@link #marker()} says what finished. */
        MARKER
    }

    private final String table;
    private final Kind kind;
    private final long version;
    private final long sourceMillis;
    private final long commitPosition;
    private final Object[] values;
    private final Marker marker;

    private ChangeRecord(String table, Kind kind, long version, long sourceMillis, long commitPosition, Object[] values,
            Marker marker) {
        this.table = Objects.requireNonNull(table, "table");
        this.kind = kind;
        this.version = version;
        this.sourceMillis = sourceMillis;
        this.commitPosition = commitPosition;
        this.values = values;
        this.marker = marker;
    }

    /** A row read by an initial load, or a change whose source time is unknown. */
    public static ChangeRecord row(String table, Kind kind, long version, Object[] values) {
        return change(table, kind, version, 0L, values);
    }

    /** A row change committed at the source at {@code sourceMillis} (epoch ms; 0 if unknown). */
    public static ChangeRecord change(String table, Kind kind, long version, long sourceMillis, Object[] values) {
        return change(table, kind, version, sourceMillis, 0L, values);
    }

    /** A change whose transaction committed at {@code commitPosition} in the source's log (0 if unknown). */
    public static ChangeRecord change(String table, Kind kind, long version, long sourceMillis, long commitPosition,
            Object[] values) {
        if (kind == Kind.MARKER) {
            throw new IllegalArgumentException("use ChangeRecord.marker for markers");
        }
        return new ChangeRecord(table, kind, version, sourceMillis, commitPosition,
                Objects.requireNonNull(values, "values"), null);
    }

    public static ChangeRecord marker(String table, Marker marker) {
        return new ChangeRecord(table, Kind.MARKER, 0L, 0L, 0L, null, Objects.requireNonNull(marker, "marker"));
    }

    public String table() {
        return table;
    }

    public Kind kind() {
        return kind;
    }

    public long version() {
        return version;
    }

    /** When the change was committed at the source (epoch ms), for replication lag; 0 if unknown. */
    public long sourceMillis() {
        return sourceMillis;
    }

    /**
     * Where the change's transaction committed in the source's log (Postgres LSN; 0 if unknown): a
     * snapshot taken at or after it shows the change, one taken before does not.
     */
    public long commitPosition() {
        return commitPosition;
    }

    /** The row's values; null for markers. Not copied: do not modify. */
    public Object[] values() {
        return values;
    }

    public Marker marker() {
        return marker;
    }

    public boolean isDelete() {
        return kind == Kind.DELETE;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChangeRecord r
                && table.equals(r.table)
                && kind == r.kind
                && version == r.version
                && sourceMillis == r.sourceMillis
                && commitPosition == r.commitPosition
                && Arrays.deepEquals(values, r.values)
                && Objects.equals(marker, r.marker);
    }

    @Override
    public int hashCode() {
        return Objects.hash(table, kind, version, Arrays.deepHashCode(values), marker);
    }

    @Override
    public String toString() {
        return kind == Kind.MARKER
                ? "ChangeRecord(" + table + ", " + marker + ")"
                : "ChangeRecord(" + table + ", " + kind + ", v" + version + ", " + values.length + " values)";
    }
}
