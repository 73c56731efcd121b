package dev.ferry.operators.postgres;

import java.util.Arrays;

/**
 * Which transactions a Postgres snapshot saw as committed, from its text form
 * ({@code txid_current_snapshot()}: {@code xmin:xmax:xip,...}, 64-bit transaction ids). Lets a row read
 * under a later snapshot be tested for whether it already existed under this one, by the 32-bit
 * {@code xmin} of its tuple. No I/O.
 */
public final class PostgresXidSnapshot {
    /** Ids below this are special (bootstrap, frozen): older than every snapshot. */
    private static final long FIRST_NORMAL_XID = 3;

    private final String text;
    private final long xmin;
    private final long xmax;
    private final long[] inProgress;

    private PostgresXidSnapshot(String text, long xmin, long xmax, long[] inProgress) {
        this.text = text;
        this.xmin = xmin;
        this.xmax = xmax;
        this.inProgress = inProgress;
    }

    public static PostgresXidSnapshot parse(String text) {
        String[] parts = text.split(":", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("not a transaction snapshot: " + text);
        }
        long[] xip = parts[2].isEmpty() ? new long[0]
                : Arrays.stream(parts[2].split(",")).mapToLong(Long::parseLong).sorted().toArray();
        return new PostgresXidSnapshot(text, Long.parseLong(parts[0]), Long.parseLong(parts[1]), xip);
    }

    /**
     * Whether a tuple inserted by {@code xid} (its 32-bit {@code xmin}, committed by now) was visible
     * under this snapshot. The epoch is taken from the snapshot: a tuple read soon after it cannot be
     * from a transaction more than 2^31 ids away.
     */
    public boolean sawCommitted(long xid) {
        if (xid < FIRST_NORMAL_XID) {
            return true;
        }
        long full = (xmax & ~0xFFFF_FFFFL) | (xid & 0xFFFF_FFFFL);
        if (full - xmax > (1L << 31)) {
            full -= 1L << 32;
        } else if (xmax - full > (1L << 31)) {
            full += 1L << 32;
        }
        if (full < xmin) {
            return true;
        }
        return full < xmax && Arrays.binarySearch(inProgress, full) < 0;
    }

    @Override
    public String toString() {
        return text;
    }
}
