package dev.ferry.state.spec;

import java.io.Serializable;
import java.util.List;

/**
 * How a table's ClickHouse table is keyed, as its spec entry sets it ({@link TableOptions#ORDER_BY},
 * {@link TableOptions#PRIMARY_KEY}, {@link TableOptions#PARTITION_BY}): column names as the source
 * has them (Postgres names folded), the partition as a ClickHouse expression. Empty lists and a null
 * partition mean the defaults: sorted by the source's key, no partitions.
 */
public record DestinationKeys(List<String> orderBy, List<String> primaryKey, String partitionBy)
        implements Serializable {
    public static final DestinationKeys DEFAULT = new DestinationKeys(List.of(), List.of(), null);

    public DestinationKeys {
        orderBy = List.copyOf(orderBy);
        primaryKey = List.copyOf(primaryKey);
    }

    /** The sorting columns: {@code orderBy}, or the source's {@code key} when it is not set. */
    public List<String> sortingColumns(List<String> key) {
        return orderBy.isEmpty() ? key : orderBy;
    }

    /** The sorting columns beyond the source's key, whose old values a change must carry. */
    public List<String> sortedBeyond(List<String> key) {
        return orderBy.stream().filter(c -> !key.contains(c)).toList();
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder();
        if (!orderBy.isEmpty()) {
            out.append(" order by ").append(orderBy);
        }
        if (!primaryKey.isEmpty()) {
            out.append(" primary key ").append(primaryKey);
        }
        if (partitionBy != null) {
            out.append(" partition by ").append(partitionBy);
        }
        return out.toString();
    }
}
