package dev.ferry.state.record;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Tagged binary form of the canonical column values (see {@link dev.ferry.state.schema.ColumnType}).
 * Self-describing, so records and checkpointed values can be read without their schema.
 */
public final class ValueCodec {
    private static final byte NULL = 0;
    private static final byte FALSE = 1;
    private static final byte TRUE = 2;
    private static final byte LONG = 3;
    private static final byte INT = 4;
    private static final byte FLOAT = 5;
    private static final byte DOUBLE = 6;
    private static final byte DECIMAL = 7;
    private static final byte STRING = 8;
    private static final byte BYTES = 9;
    private static final byte UUID_TAG = 10;
    private static final byte ARRAY = 11;

    private ValueCodec() {}

    public static void write(Object v, DataOutput out) throws IOException {
        if (v == null) {
            out.writeByte(NULL);
        } else if (v instanceof Long l) {
            out.writeByte(LONG);
            out.writeLong(l);
        } else if (v instanceof String s) {
            out.writeByte(STRING);
            writeBytes(s.getBytes(StandardCharsets.UTF_8), out);
        } else if (v instanceof Integer i) {
            out.writeByte(INT);
            out.writeInt(i);
        } else if (v instanceof Boolean b) {
            out.writeByte(b ? TRUE : FALSE);
        } else if (v instanceof Double d) {
            out.writeByte(DOUBLE);
            out.writeDouble(d);
        } else if (v instanceof Float f) {
            out.writeByte(FLOAT);
            out.writeFloat(f);
        } else if (v instanceof BigDecimal d) {
            out.writeByte(DECIMAL);
            out.writeInt(d.scale());
            writeBytes(d.unscaledValue().toByteArray(), out);
        } else if (v instanceof byte[] b) {
            out.writeByte(BYTES);
            writeBytes(b, out);
        } else if (v instanceof UUID u) {
            out.writeByte(UUID_TAG);
            out.writeLong(u.getMostSignificantBits());
            out.writeLong(u.getLeastSignificantBits());
        } else if (v instanceof Object[] a) {
            out.writeByte(ARRAY);
            out.writeInt(a.length);
            for (Object e : a) {
                write(e, out);
            }
        } else {
            throw new IOException("no canonical encoding for " + v.getClass().getName());
        }
    }

    public static Object read(DataInput in) throws IOException {
        byte tag = in.readByte();
        return switch (tag) {
            case NULL -> null;
            case FALSE -> Boolean.FALSE;
            case TRUE -> Boolean.TRUE;
            case LONG -> in.readLong();
            case INT -> in.readInt();
            case FLOAT -> in.readFloat();
            case DOUBLE -> in.readDouble();
            case DECIMAL -> {
                int scale = in.readInt();
                yield new BigDecimal(new BigInteger(readBytes(in)), scale);
            }
            case STRING -> new String(readBytes(in), StandardCharsets.UTF_8);
            case BYTES -> readBytes(in);
            case UUID_TAG -> new UUID(in.readLong(), in.readLong());
            case ARRAY -> {
                Object[] a = new Object[in.readInt()];
                for (int i = 0; i < a.length; i++) {
                    a[i] = read(in);
                }
                yield a;
            }
            default -> throw new IOException("unknown value tag " + tag);
        };
    }

    /** Values are immutable except arrays, so a deep copy only copies those. */
    public static Object copy(Object v) {
        if (v instanceof byte[] b) {
            return b.clone();
        }
        if (v instanceof Object[] a) {
            Object[] c = new Object[a.length];
            for (int i = 0; i < a.length; i++) {
                c[i] = copy(a[i]);
            }
            return c;
        }
        return v;
    }

    private static void writeBytes(byte[] b, DataOutput out) throws IOException {
        out.writeInt(b.length);
        out.write(b);
    }

    private static byte[] readBytes(DataInput in) throws IOException {
        byte[] b = new byte[in.readInt()];
        in.readFully(b);
        return b;
    }
}
