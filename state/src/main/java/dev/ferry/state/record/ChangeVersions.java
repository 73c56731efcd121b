package dev.ferry.state.record;

/**
 * Row versions: the destination keeps, per key, the row with the highest {@code _version}.
 *
 * <ul>
 *   <li>A snapshot row's version is the position (Postgres LSN) of the snapshot it was read under:
 *       below {@link #CHANGE_BIT}.
 *   <li>A change's version is {@link #CHANGE_BIT} plus its own position in the source's log. The
 *       stream only carries transactions committed after the snapshot's consistent point, so every
 *       change must beat every snapshot row, whatever order they arrive in: the high bit does that.
 *       Among the changes of one row, log position follows commit order, because writers of a row
 *       are serialized by its lock (and a reused key waits on the unique index), so a later commit
 *       always wrote its change later in the log. The same change always gets the same version.
 * </ul>
 */
public final class ChangeVersions {
    public static final long CHANGE_BIT = 1L << 63;

    private ChangeVersions() {}

    public static long snapshot(long position) {
        if (position < 0) {
            throw new IllegalArgumentException("snapshot position out of range: " + Long.toUnsignedString(position));
        }
        return position;
    }

    public static long change(long position) {
        if (position < 0) {
            throw new IllegalArgumentException("change position out of range: " + Long.toUnsignedString(position));
        }
        return CHANGE_BIT | position;
    }

    public static boolean isChange(long version) {
        return (version & CHANGE_BIT) != 0;
    }

    /** The log position a version was made from. */
    public static long position(long version) {
        return version & ~CHANGE_BIT;
    }
}
