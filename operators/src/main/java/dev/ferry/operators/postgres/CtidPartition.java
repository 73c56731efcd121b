package dev.ferry.operators.postgres;

import java.util.Objects;
import org.apache.flink.api.connector.source.SourceSplit;

/**
 * One unit of the initial load: the rows of a table with {@code lower <= ctid < upper}. A null
 * lower bound means the start of the table; a null upper bound means no end, so rows appended
 * after planning are still read. A table's partitions are contiguous and cover every ctid.
 */
public record CtidPartition(String table, int index, int count, Tid lower, Tid upper) implements SourceSplit {

    public CtidPartition {
        Objects.requireNonNull(table, "table");
        if (index < 0 || index >= count) {
            throw new IllegalArgumentException("partition " + index + " of " + count);
        }
        if (lower != null && upper != null && lower.compareTo(upper) >= 0) {
            throw new IllegalArgumentException("empty ctid range [" + lower + ", " + upper + ")");
        }
    }

    @Override
    public String splitId() {
        return table + "#" + index;
    }

    /** The WHERE clause, with the range in the text so it shows in pg_stat_activity. */
    public String whereClause() {
        if (lower == null && upper == null) {
            return "";
        }
        StringBuilder w = new StringBuilder(" WHERE ");
        if (lower != null) {
            w.append("ctid >= '").append(lower).append("'::tid");
        }
        if (upper != null) {
            w.append(lower != null ? " AND " : "").append("ctid < '").append(upper).append("'::tid");
        }
        return w.toString();
    }

    /** {@code [(0,0), (128,0))}, for logs and query comments. */
    public String describeRange() {
        return "[" + (lower == null ? "start" : lower) + ", " + (upper == null ? "end" : upper) + ")";
    }
}
