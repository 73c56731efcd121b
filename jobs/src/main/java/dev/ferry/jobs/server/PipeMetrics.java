package dev.ferry.jobs.server;

import dev.ferry.jobs.control.PipeStatus;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every pipe's state, lag, slot and retries as Prometheus metrics ({@code /metrics}), from the
 * watcher's latest round; {@code deploy/prometheus/ferry-alerts.yaml} alerts on them. They exist
 * while a pipe's job does not, unlike the job's own Flink metrics: a Failed pipe is still seen.
 */
final class PipeMetrics {
    static final String STATE = "ferry_pipe_state";
    static final String LAG = "ferry_pipe_lag_seconds";
    static final String RETAINED = "ferry_pipe_slot_retained_bytes";
    static final String RETRYING = "ferry_pipe_retrying";

    private PipeMetrics() {}

    static String render(Map<String, PipeStatus> latest) {
        StringBuilder out = new StringBuilder();
        Map<String, PipeStatus> sorted = new TreeMap<>(latest);
        gauge(out, STATE, "the pipe's state (PipeState code: 3 Running, 5 Paused, 8 Completed, 9 Failed, ...)");
        sorted.forEach((pipe, s) -> sample(out, STATE, pipe, s.state().code()));
        gauge(out, LAG, "replication lag in seconds as Postgres measures it for the slot's consumer");
        sorted.forEach((pipe, s) -> s.replication().filter(r -> r.lagSeconds() != null)
                .ifPresent(r -> sample(out, LAG, pipe, r.lagSeconds())));
        gauge(out, RETAINED, "bytes of WAL the pipe's replication slot keeps on the source");
        sorted.forEach((pipe, s) -> s.replication().ifPresent(r -> sample(out, RETAINED, pipe, r.retainedBytes())));
        gauge(out, RETRYING, "1 while Flink restarts the pipe's job after a failure");
        sorted.forEach((pipe, s) -> sample(out, RETRYING, pipe, PipeWatcher.retrying(s).isPresent() ? 1 : 0));
        return out.toString();
    }

    private static void gauge(StringBuilder out, String name, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(" gauge\n");
    }

    private static void sample(StringBuilder out, String name, String pipe, double value) {
        out.append(name).append("{pipe=\"").append(pipe.replace("\\", "\\\\").replace("\"", "\\\""))
                .append("\"} ").append(value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value))
                .append('\n');
    }
}
