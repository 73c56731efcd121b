package dev.ferry.jobs.server;

import dev.ferry.jobs.control.PipeStatus;
import dev.ferry.operators.clickhouse.ClickHousePipeCatalog.Sample;
import dev.ferry.operators.clickhouse.ClickHouseStatusTables.TableProgressRow;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;

/**
 * A pipe's recent history as the watcher saw it, for the console's charts: replication lag and the
 * rows written so far (loaded plus changed), a sample per round, the last {@link #KEEP} of them. It
 * starts from the samples an earlier server recorded, so a restart leaves no hole behind it.
 */
final class PipeSeries {
    /** Two hours at the default watch interval of 5 s. */
    static final int KEEP = 1_440;

    private final ArrayDeque<Sample> samples;

    PipeSeries(List<Sample> earlier) {
        samples = new ArrayDeque<>(earlier);
        trim();
    }

    /** Adds the round's look at the pipe and returns it. */
    synchronized Sample add(Instant at, PipeStatus status) {
        long rows = 0;
        for (TableProgressRow t : status.tables()) {
            rows += t.rowsSnapshotted() + t.inserts() + t.updates() + t.deletes();
        }
        Sample sample = new Sample(status.pipe(), at, status.replication().map(r -> r.lagSeconds()).orElse(null), rows);
        samples.addLast(sample);
        trim();
        return sample;
    }

    synchronized List<Sample> samples() {
        return List.copyOf(samples);
    }

    private void trim() {
        while (samples.size() > KEEP) {
            samples.removeFirst();
        }
    }
}
