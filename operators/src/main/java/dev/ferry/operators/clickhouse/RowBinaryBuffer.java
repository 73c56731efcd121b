package dev.ferry.operators.clickhouse;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/** A growable little-endian byte buffer holding RowBinary rows until they are sent. */
final class RowBinaryBuffer {
    // One store per value instead of a store per byte.
    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final int initialCapacity;
    private byte[] buf;
    private int size;

    RowBinaryBuffer(int initialCapacity) {
        this.initialCapacity = initialCapacity;
        buf = new byte[initialCapacity];
    }

    int size() {
        return size;
    }

    void reset() {
        size = 0;
    }

    /** Empties the buffer, keeping its array if no larger than {@code retainedCapacity} (else the next batch grows a new one). */
    void reset(int retainedCapacity) {
        reset();
        if (buf.length > Math.max(retainedCapacity, initialCapacity)) {
            buf = new byte[initialCapacity];
        }
    }

    /** Returns to the state before a row that failed to encode. */
    void truncate(int newSize) {
        size = newSize;
    }

    void writeTo(OutputStream out) throws IOException {
        out.write(buf, 0, size);
    }

    /** A content hash: the same rows always give the same insert deduplication token. */
    String sha256() {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(buf, 0, size);
            return HexFormat.of().formatHex(d.digest(), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void ensure(int extra) {
        if (size + extra > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + extra));
        }
    }

    void writeByte(int v) {
        ensure(1);
        buf[size++] = (byte) v;
    }

    void writeShort(int v) {
        ensure(2);
        SHORT.set(buf, size, (short) v);
        size += 2;
    }

    void writeInt(int v) {
        ensure(4);
        INT.set(buf, size, v);
        size += 4;
    }

    void writeLong(long v) {
        ensure(8);
        LONG.set(buf, size, v);
        size += 8;
    }

    /** Unsigned LEB128, RowBinary's length prefix. */
    void writeVarint(long v) {
        ensure(10);
        while ((v & ~0x7FL) != 0) {
            buf[size++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[size++] = (byte) v;
    }

    void writeBytes(byte[] b) {
        writeVarint(b.length);
        ensure(b.length);
        System.arraycopy(b, 0, buf, size, b.length);
        size += b.length;
    }

    /** A two's complement integer of {@code width} bytes, little-endian, sign-extended. */
    void writeBigEndianAsLittle(byte[] bigEndian, int width) {
        ensure(width);
        byte sign = bigEndian.length > 0 && bigEndian[0] < 0 ? (byte) -1 : 0;
        for (int i = 0; i < width; i++) {
            int src = bigEndian.length - 1 - i;
            buf[size++] = src >= 0 ? bigEndian[src] : sign;
        }
    }
}
