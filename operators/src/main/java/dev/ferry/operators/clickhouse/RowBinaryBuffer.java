package dev.ferry.operators.clickhouse;

import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/** A growable little-endian byte buffer holding RowBinary rows until they are sent. */
final class RowBinaryBuffer {
    /** Capacity kept across batches; a larger array is let go, so idle tables hold little memory. */
    private static final int RETAINED_CAPACITY = 4 << 20;

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
        if (buf.length > RETAINED_CAPACITY) {
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
        buf[size++] = (byte) v;
        buf[size++] = (byte) (v >>> 8);
    }

    void writeInt(int v) {
        ensure(4);
        buf[size++] = (byte) v;
        buf[size++] = (byte) (v >>> 8);
        buf[size++] = (byte) (v >>> 16);
        buf[size++] = (byte) (v >>> 24);
    }

    void writeLong(long v) {
        ensure(8);
        for (int i = 0; i < 8; i++) {
            buf[size++] = (byte) (v >>> (8 * i));
        }
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
