package dev.ferry.operators.mongo;

import com.mongodb.client.ClientSession;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Aggregates;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.Sorts;
import dev.ferry.operators.load.LoadPlanner.Plan;
import dev.ferry.operators.mongo.MongoIdRangePartitioner.BracketRanges;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonValue;
import org.bson.conversions.Bson;

/**
 * Plans a collection's {@code _id} partitions (queries here, arithmetic in {@link MongoIdRangePartitioner}).
 * It reads the smallest and largest {@code _id}; when both are of one type bracket that bracket holds
 * every document, else each bracket between theirs is probed. Every probe is one seek on the {@code _id}
 * index. It counts each bracket (the collection's metadata count when one holds all) and cuts one with
 * more than the rows per partition:
 * numbers, ObjectIds and dates between their smallest and largest value, other types at quantiles of
 * a sample of {@value #SAMPLE_PER_RANGE} documents per range. Every read is made in the caller's
 * session, which reads at or after the load's start.
 */
public final class MongoPartitionPlanner {
    static final int SAMPLE_PER_RANGE = 20;
    private static final Bson BY_ID = Sorts.ascending(MongoDocumentMapper.ID);
    private static final Bson BY_ID_DESCENDING = Sorts.descending(MongoDocumentMapper.ID);
    private static final Bson ID_ONLY = Projections.include(MongoDocumentMapper.ID);
    private static final BsonDocument ID_INDEX = new BsonDocument(MongoDocumentMapper.ID, new BsonInt32(1));

    private MongoPartitionPlanner() {}

    public static Plan<MongoIdPartition> plan(MongoCollection<BsonDocument> collection, ClientSession session,
            String table, int rowsPerPartition, long loadStart) {
        long start = System.nanoTime();
        List<BracketRanges> brackets = new ArrayList<>();
        StringJoiner basis = new StringJoiner(", ");
        BsonDocument any = new BsonDocument();
        BsonValue min = edge(collection, session, any, BY_ID);
        if (min == null) {
            // An empty collection: one partition all the same, so the load reports the collection done.
            brackets.add(new BracketRanges(MongoIdBracket.OBJECT_ID, List.of()));
            basis.add("empty");
        } else {
            BsonValue max = edge(collection, session, any, BY_ID_DESCENDING);
            // Brackets are contiguous in _id order: only those between the first and last _id's can hold any.
            MongoIdBracket from = MongoIdBracket.of(min);
            MongoIdBracket to = MongoIdBracket.of(max);
            Map<MongoIdBracket, BsonValue> firsts = new LinkedHashMap<>();
            for (MongoIdBracket b : MongoIdBracket.values()) {
                if (b.compareTo(from) >= 0 && b.compareTo(to) <= 0) {
                    BsonValue first = b == from ? min : edge(collection, session, b.condition(), BY_ID);
                    if (first != null) {
                        firsts.put(b, first);
                    }
                }
            }
            for (Map.Entry<MongoIdBracket, BsonValue> e : firsts.entrySet()) {
                MongoIdBracket b = e.getKey();
                List<BsonValue> boundaries = List.of();
                String documents = "";
                if (b.split() != MongoIdBracket.Split.WHOLE) {
                    long n = firsts.size() == 1 ? collection.estimatedDocumentCount()
                            : collection.countDocuments(session, new BsonDocument(MongoDocumentMapper.ID, b.condition()));
                    int ranges = MongoIdRangePartitioner.ranges(n, rowsPerPartition);
                    BsonValue last = b == to ? max : null;
                    boundaries = ranges == 1 ? List.of() : boundaries(collection, session, b, e.getValue(), last, ranges);
                    documents = " " + n;
                }
                brackets.add(new BracketRanges(b, boundaries));
                basis.add((b.alias() == null ? "other types" : b.alias()) + documents + " in " + (boundaries.size() + 1)
                        + (boundaries.isEmpty() ? " range" : " ranges"));
            }
        }
        return new Plan<>(MongoIdRangePartitioner.partitions(table, brackets, loadStart),
                (System.nanoTime() - start) / 1_000_000, basis.toString());
    }

    /** Cuts of a bracket; {@code last} is its largest _id when already known, else null. */
    private static List<BsonValue> boundaries(MongoCollection<BsonDocument> collection, ClientSession session,
            MongoIdBracket bracket, BsonValue first, BsonValue last, int ranges) {
        return switch (bracket) {
            case NUMBER -> {
                // Finite ends: NaN and the infinities sort at the ends but say nothing about the spread.
                BsonDocument finite = bracket.condition()
                        .append("$gt", new BsonDouble(Double.NEGATIVE_INFINITY))
                        .append("$lt", new BsonDouble(Double.POSITIVE_INFINITY));
                BsonValue min = edge(collection, session, finite, BY_ID);
                BsonValue max = edge(collection, session, finite, BY_ID_DESCENDING);
                yield min == null ? List.of() : MongoIdRangePartitioner.numberBoundaries(min, max, ranges);
            }
            case OBJECT_ID -> MongoIdRangePartitioner.objectIdBoundaries(first.asObjectId().getValue(),
                    last(collection, session, bracket, last).asObjectId().getValue(), ranges);
            case DATE -> MongoIdRangePartitioner.dateBoundaries(first.asDateTime().getValue(),
                    last(collection, session, bracket, last).asDateTime().getValue(), ranges);
            default -> MongoIdRangePartitioner.sampledBoundaries(sample(collection, session, bracket, ranges), ranges);
        };
    }

    private static BsonValue last(MongoCollection<BsonDocument> collection, ClientSession session, MongoIdBracket bracket,
            BsonValue known) {
        return known != null ? known : edge(collection, session, bracket.condition(), BY_ID_DESCENDING);
    }

    /** The smallest (or largest) {@code _id} matching a condition (none: any), through the {@code _id} index. */
    private static BsonValue edge(MongoCollection<BsonDocument> collection, ClientSession session, BsonDocument idCondition,
            Bson order) {
        BsonDocument filter = idCondition.isEmpty() ? idCondition : new BsonDocument(MongoDocumentMapper.ID, idCondition);
        BsonDocument first = collection.find(session, filter)
                .projection(ID_ONLY).sort(order).hint(ID_INDEX).limit(1).first();
        return first == null ? null : first.get(MongoDocumentMapper.ID);
    }

    private static List<BsonValue> sample(MongoCollection<BsonDocument> collection, ClientSession session,
            MongoIdBracket bracket, int ranges) {
        List<BsonValue> ids = new ArrayList<>();
        collection.aggregate(session, List.of(
                        Aggregates.match(new BsonDocument(MongoDocumentMapper.ID, bracket.condition())),
                        Aggregates.sample(ranges * SAMPLE_PER_RANGE),
                        Aggregates.sort(BY_ID),
                        Aggregates.project(ID_ONLY)))
                .forEach(d -> ids.add(d.get(MongoDocumentMapper.ID)));
        return ids;
    }
}
