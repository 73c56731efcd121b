package dev.ferry.operators.mongo;

import java.util.Arrays;
import java.util.Objects;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.bson.BsonValue;

/**
 * The {@code _id} types the initial load splits a collection by, in MongoDB's sort order. A range
 * query only matches values of its bound's type bracket ({@code {$gte: 5}} never matches a string),
 * so every partition lies within one bracket.
 */
public enum MongoIdBracket {
    MIN_KEY("minKey", Split.WHOLE),
    NULL("null", Split.WHOLE),
    /** int, long, double and decimal together: MongoDB compares them by value. */
    NUMBER("number", Split.INTERPOLATED),
    /** Strings, and the deprecated symbols MongoDB compares as strings. */
    STRING("string", Split.SAMPLED),
    OBJECT("object", Split.SAMPLED),
    BINARY("binData", Split.SAMPLED),
    OBJECT_ID("objectId", Split.INTERPOLATED),
    BOOLEAN("bool", Split.WHOLE),
    DATE("date", Split.INTERPOLATED),
    TIMESTAMP("timestamp", Split.SAMPLED),
    /**
     * What sorts between timestamps and MaxKey and none of the above holds (code, DBPointers): read
     * whole, and from the start again after a restart, since a position in mixed types cannot be queried.
     */
    OTHER(null, Split.WHOLE),
    MAX_KEY("maxKey", Split.WHOLE);

    /** How a bracket with many documents is cut into ranges. */
    enum Split {
        /** Boundaries spaced evenly between its smallest and largest value (numbers, ObjectIds, dates). */
        INTERPOLATED,
        /** Boundaries at quantiles of a random sample the server sorts. */
        SAMPLED,
        /** One partition: few documents (at most two booleans, one null), or no way to split. */
        WHOLE
    }

    private final String alias;
    private final Split split;

    MongoIdBracket(String alias, Split split) {
        this.alias = alias;
        this.split = split;
    }

    /** The {@code $type} alias; null for {@link #OTHER}. */
    public String alias() {
        return alias;
    }

    Split split() {
        return split;
    }

    /** The bracket a value sorts in. */
    static MongoIdBracket of(BsonValue v) {
        return switch (v.getBsonType()) {
            case MIN_KEY -> MIN_KEY;
            case NULL -> NULL;
            case INT32, INT64, DOUBLE, DECIMAL128 -> NUMBER;
            case STRING, SYMBOL -> STRING;
            case DOCUMENT -> OBJECT;
            case BINARY -> BINARY;
            case OBJECT_ID -> OBJECT_ID;
            case BOOLEAN -> BOOLEAN;
            case DATE_TIME -> DATE;
            case TIMESTAMP -> TIMESTAMP;
            case MAX_KEY -> MAX_KEY;
            default -> OTHER;
        };
    }

    /**
     * The {@code _id} condition selecting this bracket: its {@code $type}; for strings a comparison
     * with the smallest string, which (unlike {@code $type}) also matches symbols; for OTHER none of
     * the other types.
     */
    BsonDocument condition() {
        return switch (this) {
            case STRING -> new BsonDocument("$gte", new BsonString(""));
            case OTHER -> {
                BsonArray all = new BsonArray();
                Arrays.stream(values()).map(MongoIdBracket::alias).filter(Objects::nonNull).map(BsonString::new)
                        .forEach(all::add);
                yield new BsonDocument("$not", new BsonDocument("$type", all));
            }
            default -> new BsonDocument("$type", new BsonString(alias));
        };
    }
}
