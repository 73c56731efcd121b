package dev.ferry.operators.mongo;

import java.math.BigDecimal;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.regex.Pattern;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.bson.types.Decimal128;

/**
 * The canonical string form of a document's {@code _id}, the key of its ClickHouse row. Two
 * {@code _id}s get the same text exactly when MongoDB's unique index holds them equal:
 *
 * <ul>
 *   <li>ObjectId: its 24 lower-case hex digits ({@code 65f1c0ffee0000000000abcd}).
 *   <li>Numbers of any type by value: {@code 5}, {@code NumberLong(5)}, {@code 5.0} and
 *       {@code NumberDecimal("5.00")} are one {@code _id} to MongoDB and all give {@code 5}. A
 *       non-integer is its exact decimal value ({@code 2.5}; the double nearest 0.1 is not
 *       {@code NumberDecimal("0.1")}, and MongoDB agrees); {@code NaN}, {@code Infinity}, {@code -Infinity}.
 *   <li>String (and the deprecated symbol, which MongoDB compares as a string): the string itself,
 *       unless it could be read as another type's form (24 hex digits, a number, {@code true},
 *       {@code false}, {@code null}, or starting with a quote or brace): then it is quoted as a
 *       JSON string ({@code "42"}).
 *   <li>true, false, null.
 *   <li>Anything else (dates, binaries, embedded documents, timestamps, MinKey...): compact
 *       Extended JSON starting with a brace, with numbers inside by value as above
 *       ({@code {"$date":1577836800000}}, {@code {"a":1,"b":"x"}}).
 * </ul>
 *
 * The forms do not overlap, so distinct {@code _id}s never share a row.
 */
public final class MongoIdText {
    private static final Pattern AMBIGUOUS = Pattern.compile(
            "[0-9a-f]{24}|-?[0-9]+(\\.[0-9]+)?|-?Infinity|NaN|true|false|null|[\"{\\[].*", Pattern.DOTALL);
    private static final Map<Character, String> ESCAPES = Map.of('"', "\\\"", '\\', "\\\\", '\n', "\\n", '\r', "\\r",
            '\t', "\\t", '\b', "\\b", '\f', "\\f");

    private MongoIdText() {}

    public static String of(BsonValue id) {
        return switch (id.getBsonType()) {
            case OBJECT_ID -> id.asObjectId().getValue().toHexString();
            case STRING -> plainOrQuoted(id.asString().getValue());
            case SYMBOL -> plainOrQuoted(id.asSymbol().getSymbol());
            case INT32, INT64, DOUBLE, DECIMAL128, BOOLEAN, NULL -> scalar(id);
            default -> {
                StringBuilder out = new StringBuilder();
                nested(id, out);
                yield out.toString();
            }
        };
    }

    private static String plainOrQuoted(String s) {
        return AMBIGUOUS.matcher(s).matches() ? quote(s, new StringBuilder()).toString() : s;
    }

    /** Numbers by value, booleans, null: the same text at the top and inside documents. */
    private static String scalar(BsonValue v) {
        return switch (v.getBsonType()) {
            case INT32 -> Integer.toString(v.asInt32().getValue());
            case INT64 -> Long.toString(v.asInt64().getValue());
            case DOUBLE -> number(v.asDouble().getValue());
            case DECIMAL128 -> decimal(v.asDecimal128().getValue());
            case BOOLEAN -> Boolean.toString(v.asBoolean().getValue());
            case NULL -> "null";
            default -> throw new IllegalArgumentException("not a scalar: " + v.getBsonType());
        };
    }

    static String number(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        return plain(new BigDecimal(d)); // exact: -0.0 gives 0
    }

    private static String decimal(Decimal128 d) {
        if (d.isNaN()) {
            return "NaN";
        }
        if (d.isInfinite()) {
            return d.isNegative() ? "-Infinity" : "Infinity";
        }
        return plain(finiteValue(d));
    }

    /** A finite decimal's value; negative zero (which BigDecimal cannot hold) is zero. */
    static BigDecimal finiteValue(Decimal128 d) {
        try {
            return d.bigDecimalValue();
        } catch (ArithmeticException negativeZero) {
            return BigDecimal.ZERO;
        }
    }

    private static String plain(BigDecimal d) {
        return d.signum() == 0 ? "0" : d.stripTrailingZeros().toPlainString();
    }

    private static void nested(BsonValue v, StringBuilder out) {
        switch (v.getBsonType()) {
            case INT32, INT64, DOUBLE, DECIMAL128, BOOLEAN, NULL -> out.append(scalar(v));
            case STRING -> quote(v.asString().getValue(), out);
            case SYMBOL -> quote(v.asSymbol().getSymbol(), out);
            case OBJECT_ID -> out.append("{\"$oid\":\"").append(v.asObjectId().getValue().toHexString()).append("\"}");
            case DATE_TIME -> out.append("{\"$date\":").append(v.asDateTime().getValue()).append('}');
            case TIMESTAMP -> out.append("{\"$timestamp\":{\"t\":").append(Integer.toUnsignedString(v.asTimestamp().getTime()))
                    .append(",\"i\":").append(Integer.toUnsignedString(v.asTimestamp().getInc())).append("}}");
            case BINARY -> out.append("{\"$binary\":{\"base64\":\"")
                    .append(Base64.getEncoder().encodeToString(v.asBinary().getData()))
                    .append("\",\"subType\":\"").append(HexFormat.of().toHexDigits(v.asBinary().getType())).append("\"}}");
            case DOCUMENT -> {
                BsonDocument d = v.asDocument();
                out.append('{');
                boolean first = true;
                for (Map.Entry<String, BsonValue> e : d.entrySet()) {
                    out.append(first ? "" : ",");
                    quote(e.getKey(), out).append(':');
                    nested(e.getValue(), out);
                    first = false;
                }
                out.append('}');
            }
            case ARRAY -> {
                BsonArray a = v.asArray();
                out.append('[');
                for (int i = 0; i < a.size(); i++) {
                    out.append(i == 0 ? "" : ",");
                    nested(a.get(i), out);
                }
                out.append(']');
            }
            case MIN_KEY -> out.append("{\"$minKey\":1}");
            case MAX_KEY -> out.append("{\"$maxKey\":1}");
            case JAVASCRIPT -> quote(v.asJavaScript().getCode(), out.append("{\"$code\":")).append('}');
            case REGULAR_EXPRESSION -> {
                out.append("{\"$regularExpression\":{\"pattern\":");
                quote(v.asRegularExpression().getPattern(), out).append(",\"options\":");
                quote(v.asRegularExpression().getOptions(), out).append("}}");
            }
            // Deprecated types (dbPointer, javascriptWithScope, undefined): the driver's Extended JSON, tagged.
            default -> out.append(new BsonDocument(v.getBsonType().name(), v).toJson());
        }
    }

    private static StringBuilder quote(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String escape = ESCAPES.get(c);
            if (escape != null) {
                out.append(escape);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"');
    }
}
