package dev.ferry.operators.mongo;

import com.mongodb.ClientSessionOptions;
import com.mongodb.client.ClientSession;
import com.mongodb.client.MongoClient;
import dev.ferry.operators.load.LoadEnumeratorState;
import dev.ferry.operators.load.LoadEnumeratorStateSerializer;
import dev.ferry.operators.load.LoadPlanner;
import dev.ferry.operators.load.PartitionedLoadEnumerator;
import dev.ferry.state.record.ChangeRecord;
import dev.ferry.state.record.RecordTypeInfo;
import dev.ferry.state.spec.PipeSettings;
import dev.ferry.state.spec.PipeSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.core.io.SimpleVersionedSerializer;
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
public final class MongoSnapshotSource
        implements Source<ChangeRecord, MongoIdPartition, LoadEnumeratorState<MongoIdPartition>>,
                ResultTypeQueryable<ChangeRecord> {
    private static final long serialVersionUID = 1L;

    private final String pipe;
    private final MongoConnections connections;
    private final List<String> collections;
    private final int parallelismPerTable;
    private final int tablesInParallel;
    private final int rowsPerPartition;
    private final long loadStart;
    private final Map<String, List<String>> excluded;

    public MongoSnapshotSource(PipeSpec spec, List<String> collections, BsonTimestamp loadStart) {
        this.pipe = spec.name();
        this.connections = new MongoConnections(spec.name(), spec.source());
        this.collections = new ArrayList<>(collections);
        this.parallelismPerTable = spec.setting(PipeSettings.INITIAL_LOAD_PARALLELISM);
        this.tablesInParallel = spec.setting(PipeSettings.SNAPSHOT_NUMBER_OF_PARALLEL_TABLES);
        this.rowsPerPartition = spec.setting(PipeSettings.SNAPSHOT_NUM_ROWS_PER_PARTITION);
        this.loadStart = loadStart.getValue();
        this.excluded = MongoDocumentMapper.excludedFields(spec);
    }

    /** Reader subtasks that let every active collection use its full parallelism. */
    public int readers() {
        return parallelismPerTable * Math.min(tablesInParallel, Math.max(1, collections.size()));
    }

    @Override
    public Boundedness getBoundedness() {
        return Boundedness.BOUNDED;
    }

    @Override
    public SplitEnumerator<MongoIdPartition, LoadEnumeratorState<MongoIdPartition>> createEnumerator(
            SplitEnumeratorContext<MongoIdPartition> context) {
        return restoreEnumerator(context, LoadEnumeratorState.start(collections));
    }

    @Override
    public SplitEnumerator<MongoIdPartition, LoadEnumeratorState<MongoIdPartition>> restoreEnumerator(
            SplitEnumeratorContext<MongoIdPartition> context, LoadEnumeratorState<MongoIdPartition> checkpoint) {
        return new PartitionedLoadEnumerator<>(context, pipe, planner(), parallelismPerTable, tablesInParallel, checkpoint);
    }

    @Override
    public SimpleVersionedSerializer<MongoIdPartition> getSplitSerializer() {
        return MongoIdPartitionSerializer.INSTANCE;
    }

    @Override
    public SimpleVersionedSerializer<LoadEnumeratorState<MongoIdPartition>> getEnumeratorCheckpointSerializer() {
        return new LoadEnumeratorStateSerializer<>(MongoIdPartitionSerializer.INSTANCE);
    }

    @Override
    public SourceReader<ChangeRecord, MongoIdPartition> createReader(SourceReaderContext context) {
        return new MongoSnapshotReader(pipe, connections, excluded, context);
    }

    @Override
    public TypeInformation<ChangeRecord> getProducedType() {
        return RecordTypeInfo.CHANGE_RECORD;
    }

    /** Plans one collection on a client of its own, reading where the load will read. */
    private LoadPlanner<MongoIdPartition> planner() {
        MongoConnections conns = connections;
        int rows = rowsPerPartition;
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
