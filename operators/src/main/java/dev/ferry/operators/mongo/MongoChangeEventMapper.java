package dev.ferry.operators.mongo;

import com.mongodb.client.model.changestream.ChangeStreamDocument;
import dev.ferry.state.record.ChangeRecord;
import dev.ferry.state.record.ChangeRecord.Kind;
import dev.ferry.state.spec.DestinationTable;
import dev.ferry.state.spec.TableSpec;
import java.util.List;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.bson.RawBsonDocument;

/**
 * Turns one change event of a collection into the row it writes, as MongoDB documents the events
 * (streams opened with {@code fullDocument: "updateLookup"}):
 *
 * <ul>
 *   <li>insert: {@code fullDocument} is the new document.
 *   <li>replace: {@code fullDocument} is the replacement.
 *   <li>update: {@code updateDescription} says which fields changed; {@code fullDocument} is the
 *       document as the server looked it up when it read the event: its current majority-committed
 *       state, which may already include later changes (each of those has its own event and higher
 *       version, so the destination ends at the last). If the document was deleted by then,
 *       {@code fullDocument} is null and the update writes nothing: the delete's event follows.
 *   <li>delete: only {@code documentKey} (the {@code _id}, plus the shard key on sharded
 *       collections); the row becomes a tombstone.
 *   <li>drop, rename, dropDatabase and invalidate end the collection's stream: the pipe fails with the
 *       reason, as the destination can no longer follow the source.
 *   <li>Other events (index builds and other DDL, with expanded events) write nothing.
 * </ul>
 */
final class MongoChangeEventMapper {
    private final String database;
    private final String collection;
    private final List<String> excluded;
    /** Deletes are dropped: the collection's ClickHouse table keeps what was deleted ({@code deletes: ignore}). */
    private final boolean keepDeleted;

    MongoChangeEventMapper(String database, TableSpec collection) {
        this.database = database;
        this.collection = collection.sourceId();
        this.excluded = collection.excludedColumns();
        this.keepDeleted = collection.destination().deletes() == DestinationTable.Deletes.IGNORE;
    }

    /** The row the event writes at {@code version}, or null if it writes none. */
    ChangeRecord map(ChangeStreamDocument<RawBsonDocument> event, long version) {
        long sourceMillis = event.getWallTime() != null ? event.getWallTime().getValue()
                : Integer.toUnsignedLong(event.getClusterTime().getTime()) * 1000;
        return switch (event.getOperationType()) {
            case INSERT -> row(Kind.INSERT, event, version, sourceMillis);
            case REPLACE -> row(Kind.UPDATE, event, version, sourceMillis);
            case UPDATE -> event.getFullDocument() == null ? null : row(Kind.UPDATE, event, version, sourceMillis);
            case DELETE -> keepDeleted ? null : ChangeRecord.change(collection, Kind.DELETE, version, sourceMillis,
                    MongoDocumentMapper.key(event.getDocumentKey().get(MongoDocumentMapper.ID)));
            case DROP -> throw ended("was dropped");
            case RENAME -> throw ended("was renamed to " + event.getDestinationNamespace());
            case DROP_DATABASE -> throw ended("is gone: database " + database + " was dropped");
            case INVALIDATE -> throw ended("can no longer be followed (its change stream was invalidated)");
            case OTHER -> null;
        };
    }

    private ChangeRecord row(Kind kind, ChangeStreamDocument<RawBsonDocument> event, long version, long sourceMillis) {
        if (event.getFullDocument() == null) {
            throw new IllegalStateException(event.getOperationTypeString() + " event on " + database + "." + collection
                    + " without fullDocument");
        }
        return ChangeRecord.change(collection, kind, version, sourceMillis, MongoDocumentMapper.row(event.getFullDocument(), excluded));
    }

    /** A stream that ended cannot heal by waiting: the job fails without restarts. */
    private SuppressRestartsException ended(String what) {
        return new SuppressRestartsException(new IllegalStateException("collection " + database + "." + collection + " "
                + what + "; its changes can no longer be followed: resync the pipe, or remove the collection from it"));
    }
}
