package dev.ferry.state.record;

/**
 * The initial load finished one unit (a partition) of a table: {@code unitIndex} of {@code unitCount}
 * units, {@code rows} rows read. The unit id is stable across restarts; it names the unit's pass
 * when the table's load started over ({@link #id}), so units of an abandoned plan are told apart.
 */
public record SnapshotUnitDone(String unitId, int unitIndex, int unitCount, long rows) implements Marker {

    /** {@code <table>#<index>} for a table's first plan, {@code <table>#<index>@<pass>} for a later one. */
    public static String id(String table, int pass, int index) {
        return table + "#" + index + (pass == 0 ? "" : "@" + pass);
    }

    /** The plan {@code unitId} belongs to: 0 for the first, counting up each time the table's load started over. */
    public static int passOf(String unitId) {
        String last = unitId.substring(unitId.lastIndexOf('#') + 1);
        int at = last.indexOf('@');
        return at < 0 ? 0 : Integer.parseInt(last.substring(at + 1));
    }

    public int pass() {
        return passOf(unitId);
    }
}
