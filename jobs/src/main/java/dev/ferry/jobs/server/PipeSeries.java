package dev.ferry.jobs.server;

import dev.ferry.jobs.control.PipeStatus;
import dev.ferry.operators.clickhouse.ClickHouseStatusTables.TableProgressRow;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;

/**
 * A pipe's recent history as the watcher saw it, for the console's charts: replication lag and the
 * rows written so far (loaded plus changed), a sample per round, the last {@link #KEEP} of them.
 */
final class PipeSeries {
    /** Two hours at the default watch interval of 5 s. */
    static final int KEEP = 1_440;

    /** One round: when, the lag (null when unknown or not streaming) and the rows written up to then. */
    record Sample(Instant at, Double lagSeconds, long rows) {}

    private final ArrayDeque<Sample> samples = new ArrayDeque<>();

    synchronized void add(Instant at, PipeStatus status) {
        long rows = 0;
        for (TableProgressRow t : status.tables()) {
            rows += t.rowsSnapshotted() + t.inserts() + t.updates() + t.deletes();
        }
        samples.addLast(new Sample(at, status.replication().map(r -> r.lagSeconds()).orElse(null), rows));
        while (samples.size() > KEEP) {
            samples.removeFirst();
        }
    }

    synchronized List<Sample> samples() {
        return List.copyOf(samples);
    }
}
