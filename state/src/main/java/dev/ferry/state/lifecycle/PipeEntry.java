package dev.ferry.state.lifecycle;

import dev.ferry.state.spec.PipeSpecDocument;

/**
 * A pipe in the catalog: its spec as written (with {@code ${VAR}} references, never secrets), the
 * Flink cluster it runs on, its current job (empty while paused or stopped), the savepoint it was
 * paused with, and its current run.
 */
public record PipeEntry(String name, PipeSpecDocument spec, String flinkUrl, String jobId, String savepoint, PipeRun run) {

    public PipeEntry withJob(String newJobId) {
        return new PipeEntry(name, spec, flinkUrl, newJobId, savepoint, run);
    }

    public PipeEntry withSavepoint(String path) {
        return new PipeEntry(name, spec, flinkUrl, "", path, run);
    }

    public PipeEntry withSpec(PipeSpecDocument newSpec) {
        return new PipeEntry(name, newSpec, flinkUrl, jobId, savepoint, run);
    }

    public PipeEntry withRun(PipeRun newRun) {
        return new PipeEntry(name, spec, flinkUrl, jobId, savepoint, newRun);
    }

    public boolean hasJob() {
        return !jobId.isEmpty();
    }
}
