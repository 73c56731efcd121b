package dev.ferry.operators.mongo;

import dev.ferry.state.record.ChangeRecord;
import org.bson.BsonValue;

/** A record read by the initial load with the {@code _id} it was read at; null for a partition's end marker. */
record MongoSnapshotRow(ChangeRecord record, BsonValue id) {}
