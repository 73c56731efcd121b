package dev.ferry.state.schema;

import java.io.Serializable;
import java.util.Objects;

/**
 * A column's value type inside Ferry, independent of source and destination. Each kind has one
 * canonical Java representation, which both the snapshot reader and the change stream produce, so
 * the same row written twice encodes to the same bytes:
 *
 * <ul>
 *   <li>BOOL: Boolean; INT16, INT32, INT64, UINT32: Long; FLOAT32: Float; FLOAT64: Double
 *   <li>DECIMAL(p,s): BigDecimal, or the String NaN, Infinity or -Infinity (no Decimal holds them:
 *       the destination writes NULL)
 *   <li>STRING, JSON, ENUM: String; BYTES: byte[]. A JSON column is JSON text; its
 *       {@link #jsonObject()} variant holds a JSON object (a whole MongoDB document) and lands in
 *       ClickHouse's {@code JSON} type instead of {@code String}.
 *   <li>DATE: Integer days since 1970-01-01; TIMESTAMP (no zone) and TIMESTAMPTZ (UTC): Long microseconds,
 *       stored with {@link #precision()} fractional digits (6 unless a destination asks for fewer)
 *   <li>UUID: java.util.UUID; ARRAY: Object[] of the element's representation (elements may be null)
 * </ul>
 */
public final class ColumnType implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final String JSON_OBJECT = "JSON_OBJECT";

    public enum Kind {
        BOOL,
        INT16,
        INT32,
        INT64,
        UINT32,
        FLOAT32,
        FLOAT64,
        DECIMAL,
        STRING,
        JSON,
        ENUM,
        BYTES,
        DATE,
        TIMESTAMP,
        TIMESTAMPTZ,
        UUID,
        ARRAY
    }

    private final Kind kind;
    private final int precision;
    private final int scale;
    private final ColumnType element;
    private final boolean jsonObject;

    private ColumnType(Kind kind, int precision, int scale, ColumnType element, boolean jsonObject) {
        this.kind = kind;
        this.precision = precision;
        this.scale = scale;
        this.element = element;
        this.jsonObject = jsonObject;
    }

    public static ColumnType of(Kind kind) {
        if (kind == Kind.DECIMAL || kind == Kind.ARRAY) {
            throw new IllegalArgumentException(kind + " needs parameters");
        }
        return new ColumnType(kind, kind == Kind.TIMESTAMP || kind == Kind.TIMESTAMPTZ ? 6 : 0, 0, null, false);
    }

    /** A timestamp stored with {@code digits} fractional digits of a second (0 to 6); values stay microseconds. */
    public static ColumnType timestamp(Kind kind, int digits) {
        if ((kind != Kind.TIMESTAMP && kind != Kind.TIMESTAMPTZ) || digits < 0 || digits > 6) {
            throw new IllegalArgumentException(kind + "(" + digits + ") is not a timestamp of 0 to 6 digits");
        }
        return new ColumnType(kind, digits, 0, null, false);
    }

    /**
     * JSON text that is always an object, stored in ClickHouse's {@code JSON} type. A variant of
     * {@link Kind#JSON} rather than a kind of its own: everything that reads JSON text reads it.
     */
    public static ColumnType jsonObject() {
        return new ColumnType(Kind.JSON, 0, 0, null, true);
    }

    public static ColumnType decimal(int precision, int scale) {
        if (precision < 1 || precision > 76 || scale < 0 || scale > precision) {
            throw new IllegalArgumentException("decimal(" + precision + "," + scale + ") out of range");
        }
        return new ColumnType(Kind.DECIMAL, precision, scale, null, false);
    }

    public static ColumnType arrayOf(ColumnType element) {
        if (element.kind == Kind.ARRAY) {
            throw new IllegalArgumentException("arrays of arrays are represented as one flat array");
        }
        return new ColumnType(Kind.ARRAY, 0, 0, element, false);
    }

    public Kind kind() {
        return kind;
    }

    public int precision() {
        return precision;
    }

    public int scale() {
        return scale;
    }

    public ColumnType element() {
        return element;
    }

    /** True for {@link #jsonObject()}. */
    public boolean isJsonObject() {
        return jsonObject;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ColumnType t
                && kind == t.kind
                && precision == t.precision
                && scale == t.scale
                && Objects.equals(element, t.element)
                && jsonObject == t.jsonObject;
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, precision, scale, element, jsonObject);
    }

    /** Parses {@link #toString()}'s form, used in checkpointed schemas. */
    public static ColumnType parse(String text) {
        if (text.startsWith("ARRAY<") && text.endsWith(">")) {
            return arrayOf(parse(text.substring(6, text.length() - 1)));
        }
        if (text.startsWith("DECIMAL(") && text.endsWith(")")) {
            String[] ps = text.substring(8, text.length() - 1).split(",");
            return decimal(Integer.parseInt(ps[0].trim()), Integer.parseInt(ps[1].trim()));
        }
        if (text.equals(JSON_OBJECT)) {
            return jsonObject();
        }
        if (text.startsWith("TIMESTAMP") && text.endsWith(")")) {
            int open = text.indexOf('(');
            return timestamp(Kind.valueOf(text.substring(0, open)), Integer.parseInt(text.substring(open + 1, text.length() - 1)));
        }
        return of(Kind.valueOf(text));
    }

    @Override
    public String toString() {
        return switch (kind) {
            case DECIMAL -> "DECIMAL(" + precision + "," + scale + ")";
            case ARRAY -> "ARRAY<" + element + ">";
            case JSON -> jsonObject ? JSON_OBJECT : kind.name();
            case TIMESTAMP, TIMESTAMPTZ -> precision == 6 ? kind.name() : kind.name() + "(" + precision + ")";
            default -> kind.name();
        };
    }
}
