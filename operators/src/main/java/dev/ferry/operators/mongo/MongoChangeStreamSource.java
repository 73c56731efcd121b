package dev.ferry.operators.mongo;

import dev.ferry.state.record.ChangeRecord;
import dev.ferry.state.record.RecordTypeInfo;
import dev.ferry.state.spec.PipeSpec;
import dev.ferry.state.spec.TableSpec;
import java.util.ArrayList;
import java.util.HashSet;
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
import org.bson.BsonTimestamp;

/**
 * The change streams of a MongoDB pipe as an unbounded FLIP-27 source (parallelism 1): one stream per
 * collection ({@code fullDocument: "updateLookup"}), starting at {@code startAt}, a cluster time Setup
 * took before the initial load began, and resuming after the token of the last event a checkpoint
 * covers. Nothing is acknowledged to MongoDB: the token lives in Flink state only, and rows before a
 * checkpoint barrier are in ClickHouse by the time the checkpoint completes.
 */
public final class MongoChangeStreamSource
        implements Source<ChangeRecord, MongoChangeStreamSplit, MongoChangeStreamEnumState>,
                ResultTypeQueryable<ChangeRecord> {
    private static final long serialVersionUID = 1L;

    private final MongoConnections connections;
    private final List<String> collections;
    private final long startAt;
    private final Map<String, TableSpec> specs = new java.util.HashMap<>();

    public MongoChangeStreamSource(PipeSpec spec, List<String> collections, BsonTimestamp startAt) {
        this.connections = new MongoConnections(spec.name(), spec.source());
        this.collections = new ArrayList<>(collections);
        this.startAt = startAt.getValue();
        spec.tables().forEach(t -> specs.put(t.sourceId(), t));
    }

    @Override
    public Boundedness getBoundedness() {
        return Boundedness.CONTINUOUS_UNBOUNDED;
    }

    @Override
    public SplitEnumerator<MongoChangeStreamSplit, MongoChangeStreamEnumState> createEnumerator(
            SplitEnumeratorContext<MongoChangeStreamSplit> context) {
        return restoreEnumerator(context, MongoChangeStreamEnumState.NONE);
    }

    @Override
    public SplitEnumerator<MongoChangeStreamSplit, MongoChangeStreamEnumState> restoreEnumerator(
            SplitEnumeratorContext<MongoChangeStreamSplit> context, MongoChangeStreamEnumState checkpoint) {
        return new MongoChangeStreamEnumerator(context, collections, startAt, checkpoint);
    }

    @Override
    public SimpleVersionedSerializer<MongoChangeStreamSplit> getSplitSerializer() {
        return MongoChangeStreamSerializers.SPLIT;
    }

    @Override
    public SimpleVersionedSerializer<MongoChangeStreamEnumState> getEnumeratorCheckpointSerializer() {
        return MongoChangeStreamSerializers.ENUMERATOR;
    }

    @Override
    public SourceReader<ChangeRecord, MongoChangeStreamSplit> createReader(SourceReaderContext context) {
        return new MongoChangeStreamReader(connections.open("changes"), connections.database(), new HashSet<>(collections),
                specs, context);
    }

    @Override
    public TypeInformation<ChangeRecord> getProducedType() {
        return RecordTypeInfo.CHANGE_RECORD;
    }
}
