package dev.ferry.operators.clickhouse;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * What one writer subtask reports about one table, in the metric group {@code pipe=<name>,
 * table=<source table>} (labels for Prometheus): rows and batches written, the rate, how long each
 * flush took, and for changes the replication lag of the latest batch. Durable totals that survive
 * restarts are the lifecycle's gauges; these are live, per subtask.
 */
final class ClickHouseTableMetrics {
    private static final int LATENCY_SAMPLES = 1024;

    private final MetricGroup group;
    private final Counter rows;
    private final Counter batches;
    private final Histogram flushMillis;
    private volatile long lagMillis;
    private boolean lagRegistered;

    ClickHouseTableMetrics(MetricGroup operator, String pipe, String table) {
        group = operator.addGroup("pipe", pipe).addGroup("table", table);
        rows = group.counter("rowsWritten");
        batches = group.counter("batchesWritten");
        group.meter("rowsWrittenPerSecond", new MeterView(rows));
        flushMillis = group.histogram("flushLatencyMillis", new DescriptiveStatisticsHistogram(LATENCY_SAMPLES));
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
