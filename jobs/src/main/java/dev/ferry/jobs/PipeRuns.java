package dev.ferry.jobs;

import dev.ferry.state.lifecycle.PipeRun;
import dev.ferry.state.spec.PipeSettings;
import dev.ferry.state.spec.PipeSpec;
import dev.ferry.state.spec.TableSpec;

/** The runs a spec implies. */
public final class PipeRuns {
    private PipeRuns() {}

    /** A new pipe's first run: an initial load of every table, unless the pipe only follows changes. */
    public static PipeRun first(PipeSpec spec) {
        return PipeRun.first(spec.tables().stream().map(TableSpec::sourceId).toList(), spec.setting(PipeSettings.REPLICATION_MODE) != PipeSettings.ReplicationMode.CDC_ONLY);
    }
}
