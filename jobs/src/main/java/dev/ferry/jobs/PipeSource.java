package dev.ferry.jobs;

import dev.ferry.jobs.mongo.MongoPipeSource;
import dev.ferry.jobs.postgres.PostgresPipeSource;
import dev.ferry.state.lifecycle.PipeRun;
import dev.ferry.state.schema.TableSchema;
import dev.ferry.state.spec.PipeSpec;
import java.util.List;
import java.util.Optional;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * What running and operating a pipe needs of its source kind: its Setup, its job graph, and what it
 * holds on the source. The CLI, the cluster job's entry point and the control plane work through this,
 * so pause, resume, modify and resync are the same for every source.
 */
public interface PipeSource {

    static PipeSource of(PipeSpec spec) {
        return switch (spec.sourceKind()) {
            case POSTGRES -> new PostgresPipeSource();
            case MONGODB -> new MongoPipeSource();
        };
    }

    /**
     * Checks source and destination, then creates what is missing (destination tables, and what the
     * source needs to follow changes); a new pipe with no recorded state gets Provisioning and Setup
     * recorded. Safe to repeat. Returns the destination tables, one per source table.
     */
    List<TableSchema> prepare(PipeSpec spec, boolean newPipe);

    /**
     * Checks that every table of the spec exists and can be read; creates nothing. Returns the
     * destination tables as the source has them now (MongoDB's {@code doc} as text).
     */
    List<TableSchema> checkTables(PipeSpec spec);

    /**
     * Adds a run of the pipe to {@code env}, reading the source as it is now (after {@link #prepare}
     * when {@code setUp}); returns the task slots it needs.
     */
    int build(StreamExecutionEnvironment env, PipeSpec spec, PipeRun run, boolean setUp);

    /**
     * Before a Failed or Completed pipe is resynced: refuses a one-table resync when the position
     * changes are read from is gone (every table must reload then), and clears what cannot be reused.
     */
    void beforeResync(PipeSpec spec, boolean oneTable);

    /** Releases what the pipe holds on the source (a slot, a publication) when it is deleted. */
    void release(PipeSpec spec) throws InterruptedException;

    /**
     * Where the pipe's change position stands on the source, for {@code ferry status}; empty when the
     * source keeps none for it (snapshot pipes; MongoDB, whose stream position is in the job's state)
     * or cannot be read now.
     */
    Optional<Replication> replication(PipeSpec spec);

    /** A replication slot seen from the source: its WAL position against the slot's acknowledged one. */
    record Replication(String slot, boolean active, long sourceLsn, long confirmedLsn, long lagBytes,
            Double lagSeconds, long retainedBytes, String walStatus) {}
}
