package dev.ferry.operators.mongo;

import dev.ferry.operators.load.LoadPartition;
import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectStreamException;
import java.io.Serializable;
import java.util.Objects;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;

/**
 * One unit of a collection's initial load: the documents whose {@code _id} is in {@code bracket} with
 * {@code lower <= _id < upper}, read in {@code _id} order. A null lower bound is the bracket's start
 * and a null upper bound its end, so a bracket's partitions cover all of it, whatever was planned.
 *
 * <p>A partition restored from a checkpoint carries where its reader was: documents up to and
 * including {@code resumeAfter} ({@code rowsBefore} of them) are written, and reading continues after
 * it. {@code loadStart} is the cluster time the load reads after (the change stream's start): reads
 * wait until the server they go to has caught up with it, and the rows' version comes from it.
 */
public record MongoIdPartition(String table, int index, int count, MongoIdBracket bracket, BsonValue lower,
        BsonValue upper, BsonValue resumeAfter, long rowsBefore, long loadStart) implements LoadPartition {

    private static final BsonDouble NEGATIVE_INFINITY = new BsonDouble(Double.NEGATIVE_INFINITY);

    public MongoIdPartition {
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(bracket, "bracket");
        if (index < 0 || index >= count) {
            throw new IllegalArgumentException("partition " + index + " of " + count);
        }
    }

    /** A partition not read yet. */
    public MongoIdPartition(String table, int index, int count, MongoIdBracket bracket, BsonValue lower, BsonValue upper,
            long loadStart) {
        this(table, index, count, bracket, lower, upper, null, 0, loadStart);
    }

    /**
     * The same partition, continued after {@code last} with {@code rows} read. OTHER holds mixed types,
     * where "after" cannot be queried: it is read again from its start.
     */
    public MongoIdPartition resumingAfter(BsonValue last, long rows) {
        return bracket == MongoIdBracket.OTHER ? this
                : new MongoIdPartition(table, index, count, bracket, lower, upper, last, rows, loadStart);
    }

    @Override
    public String splitId() {
        return LoadPartition.splitId(table, 0, index);
    }

    public BsonTimestamp loadStartTime() {
        return new BsonTimestamp(loadStart);
    }

    /**
     * The query: {@code {_id: {$type: ..., $gte: lower, $lt: upper}}}, or {@code $gt} the resume point.
     * The first range of a bracket says {@code $not: {$gte: upper}} rather than {@code $lt}: NaN sorts
     * below every number but no range comparison matches it, and it must belong to some partition.
     */
    public BsonDocument filter() {
        BsonDocument id = bracket.condition();
        if (resumeAfter != null) {
            // After NaN (first in number order) comes everything from -Infinity up.
            boolean afterNaN = resumeAfter.isNumber() && Double.isNaN(resumeAfter.asNumber().doubleValue())
                    || resumeAfter.isDecimal128() && resumeAfter.asDecimal128().getValue().isNaN();
            id.append(afterNaN ? "$gte" : "$gt", afterNaN ? NEGATIVE_INFINITY : resumeAfter);
        } else if (lower != null) {
            id.append("$gte", lower);
        }
        if (upper != null) {
            if (lower == null && resumeAfter == null) {
                id.append("$not", new BsonDocument("$gte", upper));
            } else {
                id.append("$lt", upper);
            }
        }
        return new BsonDocument(MongoDocumentMapper.ID, id);
    }

    /**
     * Java serialization (a partition travels in the readers' PartitionFinished events) goes through the
     * checkpoint form: BSON values are not Serializable.
     */
    private Object writeReplace() throws ObjectStreamException {
        try {
            return new SerializedForm(MongoIdPartitionSerializer.INSTANCE.serialize(this));
        } catch (IOException e) {
            throw new InvalidObjectException("cannot serialize partition " + splitId() + ": " + e.getMessage());
        }
    }

    private record SerializedForm(byte[] bytes) implements Serializable {
        private Object readResolve() throws ObjectStreamException {
            try {
                return MongoIdPartitionSerializer.INSTANCE.deserialize(MongoIdPartitionSerializer.INSTANCE.getVersion(), bytes);
            } catch (IOException e) {
                throw new InvalidObjectException("cannot read a partition: " + e.getMessage());
            }
        }
    }

    /** {@code number [start, 1000)}, for logs and the query comment; a continued read says where it resumes. */
    public String describeRange() {
        return (bracket.alias() == null ? "other types" : bracket.alias()) + " [" + (lower == null ? "start" : MongoIdText.of(lower))
                + ", " + (upper == null ? "end" : MongoIdText.of(upper)) + ")"
                + (resumeAfter == null ? "" : " resuming after " + MongoIdText.of(resumeAfter));
    }
}
