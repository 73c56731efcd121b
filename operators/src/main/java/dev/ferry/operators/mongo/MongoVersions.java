package dev.ferry.operators.mongo;

import dev.ferry.state.record.ChangeVersions;
import org.bson.BsonTimestamp;

/**
 * Row versions of a MongoDB pipe (see {@link ChangeVersions}): a change's position is made from its
 * event's cluster time and its place among the events of that cluster time.
 *
 * <pre>
 *   bit 63      62 ............ 31   30 ........ 10   9 ...... 0
 *   CHANGE_BIT  seconds (32 bits)    increment (21)   ordinal (10)
 * </pre>
 *
 * <ul>
 *   <li>Monotonic in commit order: the cluster time of an event is its commit's oplog timestamp
 *       (seconds, then an increment within the second), which orders the writes of a document. All
 *       events of one transaction share its commit's cluster time; they come in the order the
 *       transaction made them, and the ordinal numbers them (0 for the first, and for every event of
 *       a plain write). So a document changed twice in one transaction gets two rising versions.
 *   <li>Unique per document: two events of one document with equal cluster times are in one
 *       transaction and differ in ordinal.
 *   <li>Identical on replay: the ordinal is counted in the stream, and the counter is checkpointed with
 *       the resume token of the last event emitted, so a replay from that token counts the same.
 * </ul>
 *
 * Limits: seconds fit until 2106. A server increments at most one counter per write within a second,
 * and no replica set writes 2^21 (2,097,152) oplog entries in one second, so a larger increment is
 * refused rather than wrapped. Ordinals past 1,023 within one transaction (MongoDB advises at most 1,000
 * changed documents per transaction) share the last value: only a document changed twice among them
 * could then keep the earlier of its two states, until its next change.
 *
 * <p>A snapshot row's version is the start of the second its load began in (below {@link ChangeVersions#CHANGE_BIT}),
 * so every change captured from that point on wins over it whatever order they land in.
 */
public final class MongoVersions {
    static final int INCREMENT_BITS = 21;
    static final int ORDINAL_BITS = 10;
    public static final int MAX_ORDINAL = (1 << ORDINAL_BITS) - 1;

    private MongoVersions() {}

    public static long change(BsonTimestamp clusterTime, int ordinal) {
        long increment = Integer.toUnsignedLong(clusterTime.getInc());
        if (increment >= 1L << INCREMENT_BITS) {
            throw new IllegalStateException("cluster time " + describe(clusterTime) + " has an increment above 2^"
                    + INCREMENT_BITS + ", beyond Ferry's version encoding");
        }
        if (ordinal < 0 || ordinal > MAX_ORDINAL) {
            throw new IllegalArgumentException("ordinal " + ordinal + " out of range");
        }
        return ChangeVersions.change(seconds(clusterTime) << (INCREMENT_BITS + ORDINAL_BITS)
                | increment << ORDINAL_BITS | ordinal);
    }

    public static long snapshot(BsonTimestamp loadStart) {
        return ChangeVersions.snapshot(seconds(loadStart) << (INCREMENT_BITS + ORDINAL_BITS));
    }

    /**
     * The ordinal of an event at {@code clusterTime}, after an event at {@code previousTime} that had
     * {@code previousOrdinal}: the next one within a cluster time, else 0.
     */
    public static int nextOrdinal(long previousTime, int previousOrdinal, long clusterTime) {
        return clusterTime == previousTime ? Math.min(previousOrdinal + 1, MAX_ORDINAL) : 0;
    }

    public static String describe(BsonTimestamp t) {
        return "Timestamp(" + Integer.toUnsignedString(t.getTime()) + ", " + Integer.toUnsignedString(t.getInc()) + ")";
    }

    private static long seconds(BsonTimestamp t) {
        return Integer.toUnsignedLong(t.getTime());
    }
}
