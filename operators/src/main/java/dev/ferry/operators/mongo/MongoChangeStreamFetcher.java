package dev.ferry.operators.mongo;

import com.mongodb.MongoException;
import com.mongodb.client.MongoChangeStreamCursor;
import com.mongodb.client.MongoClient;
import com.mongodb.client.model.changestream.ChangeStreamDocument;
import com.mongodb.client.model.changestream.FullDocument;
import dev.ferry.operators.source.FetchPause;
import dev.ferry.state.spec.TableSpec;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.connector.base.source.reader.RecordsBySplits;
import org.apache.flink.connector.base.source.reader.RecordsWithSplitIds;
import org.apache.flink.connector.base.source.reader.splitreader.SplitReader;
import org.apache.flink.connector.base.source.reader.splitreader.SplitsAddition;
import org.apache.flink.connector.base.source.reader.splitreader.SplitsChange;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;
import org.bson.RawBsonDocument;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows one collection's change stream on a fetcher thread of its own (so a quiet collection's
 * waiting never holds up a busy one). It resumes after the checkpointed token, or starts at the
 * split's start time; numbers events within a cluster time ({@link MongoVersions}); and hands each
 * event on with the token after it, so the reader's checkpoint holds the token of exactly the last
 * event it emitted. When no event comes, a token that moved anyway (the server's post-batch token,
 * past events of other collections) is handed on too, so a quiet stream's checkpoint does not fall
 * behind the oplog.
 *
 * <p>{@link #wakeUp()} ends a wait within {@value #MAX_AWAIT_MILLIS} ms (the server's wait for new
 * events) or at once when between polls.
 */
final class MongoChangeStreamFetcher implements SplitReader<MongoChangeEvent, MongoChangeStreamSplit> {
    private static final Logger LOG = LoggerFactory.getLogger(MongoChangeStreamFetcher.class);
    private static final int EVENTS_PER_FETCH = 1_000;
    private static final long MAX_AWAIT_MILLIS = 500;
    /** A server that answers an empty poll at once is asked again no sooner than this. */
    private static final long IDLE_POLL_MILLIS = 200;
    private static final int CHANGE_STREAM_HISTORY_LOST = 286;

    private final MongoClient client;
    private final String database;
    /** The pipe's collections by name, with their options. */
    private final Map<String, TableSpec> collections;
    private final FetchPause idle = new FetchPause();

    private MongoChangeStreamSplit split;
    private MongoChangeEventMapper mapper;
    private MongoChangeStreamCursor<ChangeStreamDocument<RawBsonDocument>> cursor;
    private BsonDocument lastToken;
    private long lastClusterTime;
    private int ordinal;

    MongoChangeStreamFetcher(MongoClient client, String database, Map<String, TableSpec> collections) {
        this.client = client;
        this.database = database;
        this.collections = collections;
    }

    @Override
    public RecordsWithSplitIds<MongoChangeEvent> fetch() throws IOException {
        idle.reset();
        RecordsBySplits.Builder<MongoChangeEvent> batch = new RecordsBySplits.Builder<>();
        if (split == null) {
            pause(System.nanoTime());
            return batch.build();
        }
        String id = split.splitId();
        try {
            if (cursor == null) {
                open();
            }
            for (int n = 0; n < EVENTS_PER_FETCH && !idle.wokenUp(); n++) {
                if (n > 0 && cursor.available() == 0) {
                    break; // hand over what came before waiting for more
                }
                long pollStart = System.nanoTime();
                ChangeStreamDocument<RawBsonDocument> event = cursor.tryNext();
                if (event == null) {
                    BsonDocument token = cursor.getResumeToken();
                    if (token != null && !token.equals(lastToken)) {
                        lastToken = token;
                        batch.add(id, new MongoChangeEvent(null, token, lastClusterTime, ordinal));
                    }
                    pause(pollStart);
                    break;
                }
                BsonTimestamp clusterTime = event.getClusterTime();
                ordinal = MongoVersions.nextOrdinal(lastClusterTime, ordinal, clusterTime.getValue());
                lastClusterTime = clusterTime.getValue();
                lastToken = event.getResumeToken();
                batch.add(id, new MongoChangeEvent(mapper.map(event, MongoVersions.change(clusterTime, ordinal)), lastToken,
                        lastClusterTime, ordinal));
            }
        } catch (MongoException e) {
            if (e.getCode() == CHANGE_STREAM_HISTORY_LOST) {
                // Waiting cannot bring the oplog back: fail without restarts.
                throw new SuppressRestartsException(new IOException("change stream of " + database + "."
                        + split.collection() + " failed: its resume point is no longer in the oplog (the pipe was"
                        + " stopped longer than the oplog window): resync the pipe", e));
            }
            throw new IOException("change stream of " + database + "." + split.collection() + " failed: "
                    + e.getMessage(), e);
        }
        return batch.build();
    }

    private void open() {
        var stream = client.getDatabase(database).getCollection(split.collection(), RawBsonDocument.class)
                .watch(RawBsonDocument.class)
                .fullDocument(FullDocument.UPDATE_LOOKUP)
                .maxAwaitTime(MAX_AWAIT_MILLIS, TimeUnit.MILLISECONDS);
        if (lastToken != null) {
            stream.resumeAfter(lastToken);
            LOG.info("change stream of {}.{} resumes after its checkpointed token", database, split.collection());
        } else {
            stream.startAtOperationTime(new BsonTimestamp(split.startAt()));
            LOG.info("change stream of {}.{} starts at {}", database, split.collection(),
                    MongoVersions.describe(new BsonTimestamp(split.startAt())));
        }
        cursor = stream.cursor();
    }

    /** Waits out the rest of an idle poll that came back early, unless woken up. */
    private void pause(long pollStartNanos) {
        idle.pause(IDLE_POLL_MILLIS - (System.nanoTime() - pollStartNanos) / 1_000_000);
    }

    @Override
    public void handleSplitsChanges(SplitsChange<MongoChangeStreamSplit> change) {
        List<MongoChangeStreamSplit> splits = change.splits();
        if (!(change instanceof SplitsAddition) || splits.size() != 1 || split != null) {
            throw new UnsupportedOperationException("a change stream fetcher follows exactly one collection: " + change);
        }
        split = splits.get(0);
        mapper = new MongoChangeEventMapper(database, collections.getOrDefault(split.collection(),
                new TableSpec(null, split.collection(), split.collection())));
        lastToken = split.resumeToken();
        lastClusterTime = split.lastClusterTime();
        ordinal = split.ordinal();
    }

    @Override
    public void wakeUp() {
        idle.wakeUp();
    }

    @Override
    public void close() {
        if (cursor != null) {
            cursor.close();
        }
    }
}
