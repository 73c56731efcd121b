package dev.ferry.operators.clickhouse;

import dev.ferry.state.schema.ColumnSchema;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.Set;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one writer subtask reports about one table, in the metric group {@code pipe=<name>,
 * table=<source table>} (labels for Prometheus): rows and batches written, the rate, how long each
 * flush took, and for changes the replication lag of the latest batch. Durable totals that survive
 * restarts are the lifecycle's gauges; these are live, per subtask.
 */
final class ClickHouseTableMetrics {
    private static final Logger LOG = LoggerFactory.getLogger(ClickHouseTableMetrics.class);
    private static final int LATENCY_SAMPLES = 1024;

    private final MetricGroup group;
    private final Counter rows;
    private final Counter batches;
    private final Histogram flushMillis;
    private final Counter adjusted;
    private final Set<String> adjustedColumns = new HashSet<>();
    private final String table;
    private volatile long lagMillis;
    private boolean lagRegistered;

    ClickHouseTableMetrics(MetricGroup operator, String pipe, String table) {
        this.table = table;
        group = operator.addGroup("pipe", pipe).addGroup("table", table);
        adjusted = group.counter("valuesAdjusted");
        rows = group.counter("rowsWritten");
        batches = group.counter("batchesWritten");
        group.meter("rowsWrittenPerSecond", new MeterView(rows));
        flushMillis = group.histogram("flushLatencyMillis", new DescriptiveStatisticsHistogram(LATENCY_SAMPLES));
    }

    /** A value was written other than it came (clamped, or NULL for a numeric NaN): counted, and logged once per column. */
    void adjusted(ColumnSchema column, Object value, Object written, String key) {
        adjusted.inc();
        if (adjustedColumns.add(column.name())) {
            LOG.warn("{}.{} ({}) holds {} in the row with key ({}): written as {} (ClickHouse cannot hold it; further"
                    + " such values of this column are counted in valuesAdjusted, not logged)", table, column.name(),
                    column.sourceType(), describe(value), key, written == null ? "NULL" : describe(written));
        }
    }

    private static String describe(Object value) {
        if (value instanceof Integer days) {
            return days == Integer.MAX_VALUE ? "infinity" : days == Integer.MIN_VALUE ? "-infinity"
                    : LocalDate.ofEpochDay(days).toString();
        }
        if (value instanceof Long micros) {
            return micros == Long.MAX_VALUE ? "infinity" : micros == Long.MIN_VALUE ? "-infinity"
                    : Instant.EPOCH.plus(micros, ChronoUnit.MICROS).toString();
        }
        return String.valueOf(value);
    }

    /**
     * A batch is durable. {@code newestSourceMillis} is the source commit time of its newest change (0
     * for initial-load rows): the lag is how far behind the source ClickHouse was when the batch landed.
     */
    void written(int rowCount, long tookMillis, long newestSourceMillis, long nowMillis) {
        rows.inc(rowCount);
        batches.inc();
        flushMillis.update(tookMillis);
        if (newestSourceMillis > 0) {
            if (!lagRegistered) {
                group.gauge("lagMillis", () -> lagMillis);
                lagRegistered = true;
            }
            lagMillis = Math.max(0, nowMillis - newestSourceMillis);
        }
    }
}
