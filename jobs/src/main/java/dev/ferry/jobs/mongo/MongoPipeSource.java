package dev.ferry.jobs.mongo;

import dev.ferry.jobs.PipeSource;
import dev.ferry.operators.PipeSetupException;
import dev.ferry.state.lifecycle.PipeRun;
import dev.ferry.operators.mongo.MongoDocumentMapper;
import dev.ferry.state.schema.TableSchema;
import dev.ferry.state.spec.PipeSettings;
import dev.ferry.state.spec.PipeSettings.ReplicationMode;
import dev.ferry.state.spec.PipeSpec;
import java.util.List;
import java.util.Optional;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * A MongoDB pipe: {@code _id}-range initial load, change streams resumed from their tokens. It holds
 * nothing on the source: a change stream's position lives in the job's state (and the oplog's window).
 */
public final class MongoPipeSource implements PipeSource {

    @Override
    public List<TableSchema> prepare(PipeSpec spec, boolean newPipe) {
        return MongoPipeSetup.prepare(spec, newPipe).collections();
    }

    @Override
    public List<TableSchema> checkTables(PipeSpec spec) {
        MongoPipeSetup.checkSource(spec);
        return spec.tables().stream().map(t -> MongoDocumentMapper.schema(t, false)).toList();
    }

    /**
     * Setup's checks run on every build: they read the cluster time, where new streams start and below
     * which this run's snapshot versions sit. Streams restored from a savepoint resume from their tokens.
     */
    @Override
    public int build(StreamExecutionEnvironment env, PipeSpec spec, PipeRun run, boolean setUp) {
        return MongoPipeJob.build(env, spec, MongoPipeSetup.prepare(spec, setUp), run);
    }

    /**
     * A Failed pipe starts again without a savepoint: its streams begin now, and the changes made
     * since it failed reach only the collections that reload.
     */
    @Override
    public void beforeResync(PipeSpec spec, boolean oneTable) {
        if (oneTable && spec.setting(PipeSettings.REPLICATION_MODE) != ReplicationMode.SNAPSHOT) {
            throw new PipeSetupException("pipe " + spec.name() + " restarts without its change streams' resume tokens:"
                    + " changes to every collection since it stopped are lost, resync the whole pipe (ferry resync "
                    + spec.name() + ")");
        }
    }

    @Override
    public void release(PipeSpec spec) {}

    @Override
    public Optional<Replication> replication(PipeSpec spec) {
        return Optional.empty();
    }
}
