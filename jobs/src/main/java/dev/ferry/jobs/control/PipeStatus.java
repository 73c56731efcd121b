package dev.ferry.jobs.control;

import dev.ferry.jobs.PipeSource.Replication;
import dev.ferry.jobs.PipeSource;
import dev.ferry.operators.clickhouse.ClickHousePipeDestination;
import dev.ferry.operators.clickhouse.ClickHouseStatusTables.StateChange;
import dev.ferry.operators.clickhouse.ClickHouseStatusTables.TableProgressRow;
import dev.ferry.state.lifecycle.PipeEntry;
import dev.ferry.state.lifecycle.PipeState;
import dev.ferry.state.spec.PipeSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.postgresql.replication.LogSequenceNumber;

/**
 * What {@code ferry status} shows: state and since when, the last error, the Flink job and its web
 * UI page, tasks that are not running and the job's latest failure while it retries, its state moves
 * (the console shows them all; {@code ferry status} the last), recent events
 * (tables copied again after a schema change), durable
 * progress per table, and for CDC pipes the replication lag (in seconds as Postgres measures it for
 * the slot's consumer, and the source WAL position against the position acknowledged to the slot)
 * and the slot's retained WAL.
 */
public record PipeStatus(
        String pipe,
        PipeState state,
        Instant since,
        String reason,
        String lastError,
        String jobId,
        String jobState,
        String jobPage,
        Optional<FlinkRestClient.JobHealth> health,
        List<TableProgressRow> tables,
        Optional<Replication> replication,
        List<StateChange> moves,
        List<StateChange> events) {
    /** Recent events shown (rows of pipe_states that leave the state as it was: a table copied again). */
    private static final int EVENTS = 5;

    public static PipeStatus of(PipeControl control, String name) throws IOException {
        PipeState state = control.state(name);
        PipeEntry e = control.entry(name);
        PipeSpec spec = e.spec().parse(control.env());
        List<StateChange> history;
        List<TableProgressRow> progress;
        try (ClickHousePipeDestination destination = ClickHousePipeDestination.open(spec)) {
            history = destination.history();
            progress = destination.progress();
        }
        List<StateChange> moves = history.stream().filter(c -> !c.state().label().equals(c.previous())).toList();
        List<StateChange> events = history.stream().filter(c -> c.state().label().equals(c.previous())).toList();
        StateChange last = moves.isEmpty() ? null : moves.get(moves.size() - 1);
        String lastError = history.stream().filter(c -> c.state() == PipeState.FAILED).reduce((a, b) -> b)
                .map(StateChange::reason).orElse("");
        FlinkRestClient flink = new FlinkRestClient(e.flinkUrl());
        String jobState = e.hasJob() ? flink.jobState(e.jobId()).orElse("GONE") : "";
        Optional<FlinkRestClient.JobHealth> health = e.hasJob() ? flink.health(e.jobId()) : Optional.empty();
        return new PipeStatus(name, state, last == null ? null : last.at(), last == null ? "" : last.reason(), lastError,
                e.jobId(), jobState, e.hasJob() ? flink.jobPage(e.jobId()) : "", health, progress,
                PipeSource.of(spec).replication(spec), moves, events.subList(Math.max(0, events.size() - EVENTS), events.size()));
    }

    public void print(PrintWriter out) {
        out.printf("pipe %s: %s%s%n", pipe, state.label(), since == null ? "" : " since " + since);
        if (!reason.isEmpty()) {
            out.printf("  reason: %s%n", reason);
        }
        if (!lastError.isEmpty() && !lastError.equals(reason)) {
            out.printf("  last error: %s%n", lastError);
        }
        if (!jobId.isEmpty()) {
            out.printf("  Flink job %s (%s): %s%n", jobId, jobState, jobPage);
        }
        health.filter(h -> !h.allRunning() || "RESTARTING".equals(jobState)).ifPresent(h -> {
            out.printf("  tasks: %d of %d running or done%s%n", h.running(), h.tasks(),
                    h.running() == 0 && h.lastFailure().isEmpty() ? " (waiting for free slots: is a TaskManager up?)" : "");
            if (!h.lastFailure().isEmpty()) {
                out.printf("  retrying since %s: %s%n", h.lastFailureAt(), h.lastFailure());
            }
        });
        events.forEach(e -> out.printf("  %s: %s%n", e.at(), e.reason()));
        for (TableProgressRow t : tables) {
            out.printf("  %-40s partitions %d/%s  snapshot rows %,d  inserts %,d  updates %,d  deletes %,d%n", t.table(),
                    t.partitionsDone(), t.partitionsTotal() == 0 ? "?" : String.valueOf(t.partitionsTotal()),
                    t.rowsSnapshotted(), t.inserts(), t.updates(), t.deletes());
        }
        replication.ifPresent(r -> out.printf("  slot %s (%s%s): source at %s, acknowledged %s, lag %s (%,d bytes),"
                        + " retained WAL %,d bytes%n", r.slot(), r.active() ? "streaming" : "idle",
                r.walStatus() == null ? "" : ", wal " + r.walStatus(), LogSequenceNumber.valueOf(r.sourceLsn()),
                LogSequenceNumber.valueOf(r.confirmedLsn()), r.lagSeconds() == null ? "unknown"
                        : String.format("%.1f s", r.lagSeconds()), r.lagBytes(), r.retainedBytes()));
        out.flush();
    }
}
