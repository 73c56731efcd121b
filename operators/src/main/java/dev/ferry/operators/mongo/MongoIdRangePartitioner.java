package dev.ferry.operators.mongo;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.bson.BsonDateTime;
import org.bson.BsonDouble;
import org.bson.BsonInt64;
import org.bson.BsonObjectId;
import org.bson.BsonValue;
import org.bson.types.ObjectId;

/**
 * Where to cut one {@code _id} bracket of a collection into ranges of about equal size: the
 * arithmetic of the initial load's plan ({@link MongoPartitionPlanner} reads its inputs). Boundaries
 * come back strictly increasing; each is the lower bound of a range, the first range having none.
 */
public final class MongoIdRangePartitioner {
    private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

    /** Planned cuts of one bracket. */
    public record BracketRanges(MongoIdBracket bracket, List<BsonValue> boundaries) {
        public BracketRanges {
            boundaries = List.copyOf(boundaries);
        }
    }

    private MongoIdRangePartitioner() {}

    /** Ranges for {@code documents} documents at about {@code perRange} each (at least one). */
    public static int ranges(long documents, int perRange) {
        return (int) Math.max(1, Math.min(100_000, (documents + perRange - 1) / perRange));
    }

    /**
     * Numbers (of any type) from {@code min} to {@code max}: whole-number boundaries when both ends
     * are whole numbers, else doubles. A bracket without finite ends is not cut.
     */
    public static List<BsonValue> numberBoundaries(BsonValue min, BsonValue max, int ranges) {
        BigInteger lo = wholeNumber(min);
        BigInteger hi = wholeNumber(max);
        if (lo != null && hi != null) {
            return interpolate(lo, hi, ranges, v -> new BsonInt64(v.longValueExact()));
        }
        double dlo = doubleValue(min);
        double dhi = doubleValue(max);
        List<BsonValue> out = new ArrayList<>();
        if (!Double.isFinite(dlo) || !Double.isFinite(dhi)) {
            return out;
        }
        double last = dlo;
        for (int i = 1; i < ranges; i++) {
            double b = dlo + (dhi - dlo) * i / ranges;
            if (b > last) {
                out.add(new BsonDouble(b));
                last = b;
            }
        }
        return out;
    }

    /** ObjectIds as 96-bit numbers: ranges of equal creation-time spans, roughly. */
    public static List<BsonValue> objectIdBoundaries(ObjectId min, ObjectId max, int ranges) {
        return interpolate(new BigInteger(1, min.toByteArray()), new BigInteger(1, max.toByteArray()), ranges,
                v -> new BsonObjectId(new ObjectId(twelveBytes(v))));
    }

    /** Dates by their milliseconds. */
    public static List<BsonValue> dateBoundaries(long minMillis, long maxMillis, int ranges) {
        return interpolate(BigInteger.valueOf(minMillis), BigInteger.valueOf(maxMillis), ranges,
                v -> new BsonDateTime(v.longValueExact()));
    }

    /** Quantiles of a sample the server sorted in {@code _id} order. */
    public static List<BsonValue> sampledBoundaries(List<BsonValue> sortedSample, int ranges) {
        List<BsonValue> out = new ArrayList<>();
        int n = sortedSample.size();
        for (int i = 1; i < ranges && n > 0; i++) {
            BsonValue b = sortedSample.get((int) ((long) i * n / ranges));
            boolean repeats = out.isEmpty() ? b.equals(sortedSample.get(0)) : b.equals(out.get(out.size() - 1));
            if (!repeats) {
                out.add(b);
            }
        }
        return out;
    }

    /** Partitions of a collection: every bracket's ranges, numbered across the collection. */
    public static List<MongoIdPartition> partitions(String table, List<BracketRanges> brackets, long loadStart) {
        int count = brackets.stream().mapToInt(b -> b.boundaries().size() + 1).sum();
        List<MongoIdPartition> out = new ArrayList<>(count);
        for (BracketRanges b : brackets) {
            BsonValue lower = null;
            for (BsonValue upper : b.boundaries()) {
                out.add(new MongoIdPartition(table, out.size(), count, b.bracket(), lower, upper, loadStart));
                lower = upper;
            }
            out.add(new MongoIdPartition(table, out.size(), count, b.bracket(), lower, null, loadStart));
        }
        return out;
    }

    private interface Boundary {
        BsonValue of(BigInteger value);
    }

    private static List<BsonValue> interpolate(BigInteger lo, BigInteger hi, int ranges, Boundary boundary) {
        List<BsonValue> out = new ArrayList<>();
        BigInteger span = hi.subtract(lo);
        BigInteger last = lo;
        for (int i = 1; i < ranges; i++) {
            BigInteger b = lo.add(span.multiply(BigInteger.valueOf(i)).divide(BigInteger.valueOf(ranges)));
            if (b.compareTo(last) > 0) {
                out.add(boundary.of(b));
                last = b;
            }
        }
        return out;
    }

    /** The value as a whole number within long range, or null. */
    private static BigInteger wholeNumber(BsonValue v) {
        BigDecimal d;
        if (v.isInt32() || v.isInt64()) {
            return BigInteger.valueOf(v.asNumber().longValue());
        } else if (v.isDouble() && Double.isFinite(v.asDouble().getValue())) {
            d = new BigDecimal(v.asDouble().getValue());
        } else if (v.isDecimal128() && v.asDecimal128().getValue().isFinite()) {
            d = MongoIdText.finiteValue(v.asDecimal128().getValue());
        } else {
            return null;
        }
        if (d.signum() != 0 && d.stripTrailingZeros().scale() > 0) {
            return null;
        }
        BigInteger i = d.toBigInteger();
        return i.compareTo(LONG_MIN) >= 0 && i.compareTo(LONG_MAX) <= 0 ? i : null;
    }

    private static double doubleValue(BsonValue v) {
        return v.isDecimal128() ? v.asDecimal128().getValue().doubleValue() : v.asNumber().doubleValue();
    }

    private static byte[] twelveBytes(BigInteger v) {
        byte[] raw = v.toByteArray();
        byte[] out = new byte[12];
        int copy = Math.min(raw.length, 12);
        System.arraycopy(raw, raw.length - copy, out, 12 - copy, copy);
        return out;
    }
}
