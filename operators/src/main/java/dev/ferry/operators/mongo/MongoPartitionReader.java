package dev.ferry.operators.mongo;

import com.mongodb.ClientSessionOptions;
import com.mongodb.client.ClientSession;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCursor;
import com.mongodb.client.model.Projections;
import dev.ferry.operators.load.PartitionSplitReader;
import dev.ferry.state.record.ChangeRecord;
import dev.ferry.state.record.SnapshotUnitDone;
import java.util.List;
import java.util.Map;
import org.apache.flink.connector.base.source.reader.RecordsBySplits;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.RawBsonDocument;

/**
 * Reads partitions one after another on the fetcher thread, each with one cursor in {@code _id}
 * order through the {@code _id} index (documents arrive as raw BSON and go straight to JSON text).
 * Reads go where the spec's read preference says, in a causally consistent session that starts at
 * the load's start time: a secondary answers only once it has applied everything up to it, so no
 * document written before the change stream's start is missed. Each document travels with its
 * {@code _id}, so a checkpoint can record where to continue; after a partition's last document comes
 * a {@link SnapshotUnitDone} marker.
 */
final class MongoPartitionReader extends PartitionSplitReader<MongoSnapshotRow, MongoIdPartition> {
    private static final int CURSOR_BATCH = 5_000;
    private static final BsonDocument ID_ORDER = new BsonDocument(MongoDocumentMapper.ID, new BsonInt32(1));

    private final String pipe;
    private final MongoConnections connections;

    private MongoClient client;
    private ClientSession session;
    private MongoCursor<RawBsonDocument> cursor;
    private long version;
    private final Map<String, List<String>> excluded;

    MongoPartitionReader(String pipe, MongoConnections connections, Map<String, List<String>> excluded) {
        this.pipe = pipe;
        this.connections = connections;
        this.excluded = excluded;
    }

    @Override
    protected MongoSnapshotRow nextRow() {
        if (!cursor.hasNext()) {
            return null;
        }
        RawBsonDocument document = cursor.next();
        return new MongoSnapshotRow(ChangeRecord.row(current().table(), ChangeRecord.Kind.SNAPSHOT, version,
                MongoDocumentMapper.row(document, List.of())), document.get(MongoDocumentMapper.ID));
    }

    @Override
    protected MongoSnapshotRow marker(ChangeRecord marker) {
        return new MongoSnapshotRow(marker, null);
    }

    @Override
    protected String from() {
        return " from " + connections.describe();
    }

    @Override
    protected boolean open(MongoIdPartition partition, RecordsBySplits.Builder<MongoSnapshotRow> batch) {
        if (client == null) {
            client = connections.open("snapshot");
            session = client.startSession(ClientSessionOptions.builder().causallyConsistent(true).build());
            session.advanceOperationTime(partition.loadStartTime());
        }
        version = MongoVersions.snapshot(partition.loadStartTime());
        List<String> excludedFields = excluded.getOrDefault(partition.table(), List.of());
        cursor = client.getDatabase(connections.database())
                .getCollection(partition.table(), RawBsonDocument.class)
                .withReadPreference(connections.loadReadPreference())
                .find(session, partition.filter())
                // excluded fields are projected out by the server: the documents arrive without them
                .projection(excludedFields.isEmpty() ? null : Projections.exclude(excludedFields))
                .sort(ID_ORDER)
                .hint(ID_ORDER)
                .batchSize(CURSOR_BATCH)
                .comment("ferry pipe=" + pipe + " collection=" + partition.table() + " partition " + (partition.index() + 1)
                        + "/" + partition.count() + " _id " + partition.describeRange())
                .cursor();
        return true;
    }

    @Override
    protected void closePartition() {
        cursor.close();
        cursor = null;
    }

    @Override
    public void close() {
        if (cursor != null) {
            cursor.close();
        }
        if (session != null) {
            session.close();
        }
        if (client != null) {
            client.close();
        }
    }
}
