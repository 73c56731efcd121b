package dev.ferry.jobs.mongo;

import dev.ferry.jobs.PipeGraph;
import dev.ferry.operators.clickhouse.ClickHouseWriter;
import dev.ferry.operators.mongo.MongoChangeStreamSource;
import dev.ferry.operators.mongo.MongoSnapshotSource;
import dev.ferry.state.lifecycle.PipeRun;
import dev.ferry.state.spec.PipeSettings.ReplicationMode;
import dev.ferry.state.spec.PipeSettings;
import dev.ferry.state.spec.PipeSpec;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The job graph of a MongoDB pipe, the same shape as a Postgres pipe's:
 *
 * <pre>
 * _id-range snapshot source (N) -> ClickHouse writer (N) --+
 *                                                          +--> lifecycle (1)
 * change stream source (1)      -> ClickHouse writer (1) --+
 * </pre>
 *
 * The initial load and the change streams run at once; the streams start at the cluster time Setup
 * took before the load, so a document changed while the load reads it has its change captured, and
 * that change's version beats the snapshot row. Operator uids are stable (the load's carries its
 * generation), so a savepoint restores the streams' resume tokens and the load's progress.
 */
public final class MongoPipeJob {
    private MongoPipeJob() {}

    /** Adds the pipe's operators to {@code env}; returns the task slots it needs. See {@link PipeGraph}. */
    public static int build(StreamExecutionEnvironment env, PipeSpec spec, MongoPipeStart start, PipeRun run) {
        PipeGraph graph = new PipeGraph(env, spec, start.collections(), run);
        if (run.loads()) {
            MongoSnapshotSource snapshot = new MongoSnapshotSource(spec, run.loadTables(), start.startTime());
            graph.addLoad(snapshot, snapshot.readers(), "mongodb initial load", "mongodb-snapshot", ClickHouseWriter.Role.LOAD);
        }
        if (spec.setting(PipeSettings.REPLICATION_MODE) != ReplicationMode.SNAPSHOT) {
            graph.addChanges(new MongoChangeStreamSource(spec, start.collectionIds(), start.startTime()), "mongodb changes",
                    "mongodb-changes");
        }
        return graph.finish();
    }
}
