package dev.ferry.operators.mongo;

import com.mongodb.ClientSessionOptions;
import com.mongodb.client.ClientSession;
import com.mongodb.client.MongoClient;
import dev.ferry.operators.load.LoadEnumeratorState;
import dev.ferry.operators.load.LoadPlanner;
import dev.ferry.operators.load.PartitionedLoadEnumerator;
import dev.ferry.operators.load.PartitionedLoadSource;
import dev.ferry.state.record.ChangeRecord;
import dev.ferry.state.spec.PipeSpec;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;

/**
 * The MongoDB initial load as a bounded, parallel FLIP-27 source: collections split into {@code _id}
 * ranges ({@link MongoPartitionPlanner}), scheduled by the generic {@link PartitionedLoadEnumerator},
 * read with checkpointed progress so a restart neither re-reads a finished partition nor skips one.
 * Every read happens at or after {@code loadStart}, the cluster time the pipe's change stream starts
 * at. Its parallelism should be {@code initial_load_parallelism * snapshot_number_of_parallel_tables}
 * ({@link #readers()}).
 */
public final class MongoSnapshotSource extends PartitionedLoadSource<MongoIdPartition> {
    private static final long serialVersionUID = 1L;

    private final MongoConnections connections;
    private final long loadStart;
    private final Map<String, List<String>> excluded;

    public MongoSnapshotSource(PipeSpec spec, List<String> collections, BsonTimestamp loadStart) {
        super(spec, collections, MongoIdPartitionSerializer.INSTANCE);
        this.connections = new MongoConnections(spec.name(), spec.source());
        this.loadStart = loadStart.getValue();
        this.excluded = MongoDocumentMapper.excludedFields(spec);
    }

    @Override
    public SplitEnumerator<MongoIdPartition, LoadEnumeratorState<MongoIdPartition>> restoreEnumerator(
            SplitEnumeratorContext<MongoIdPartition> context, LoadEnumeratorState<MongoIdPartition> checkpoint) {
        return new PartitionedLoadEnumerator<>(context, pipe(), planner(), parallelismPerTable(), tablesInParallel(),
                checkpoint);
    }

    @Override
    public SourceReader<ChangeRecord, MongoIdPartition> createReader(SourceReaderContext context) {
        return new MongoSnapshotReader(pipe(), connections, excluded, context);
    }

    /** Plans one collection on a client of its own, reading where the load will read. */
    private LoadPlanner<MongoIdPartition> planner() {
        MongoConnections conns = connections;
        int rows = rowsPerPartition();
        long start = loadStart;
        return (collection, pass) -> {
            if (pass != 0) {
                throw new IllegalArgumentException("a MongoDB load never starts a collection over");
            }
            try (MongoClient client = conns.open("snapshot-planner");
                    ClientSession session = client.startSession(
                            ClientSessionOptions.builder().causallyConsistent(true).build())) {
                session.advanceOperationTime(new BsonTimestamp(start));
                return MongoPartitionPlanner.plan(client.getDatabase(conns.database())
                        .getCollection(collection, BsonDocument.class)
                        .withReadPreference(conns.loadReadPreference()), session, collection, rows, start);
            }
        };
    }
}
