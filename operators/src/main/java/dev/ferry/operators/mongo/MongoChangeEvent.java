package dev.ferry.operators.mongo;

import dev.ferry.state.record.ChangeRecord;
import org.bson.BsonDocument;

/**
 * What the change stream's fetcher hands the reader: the row an event writes (null for events that
 * write none, and for a token that moved without an event), with the stream position after it.
 */
record MongoChangeEvent(ChangeRecord record, BsonDocument resumeToken, long clusterTime, int ordinal) {}
