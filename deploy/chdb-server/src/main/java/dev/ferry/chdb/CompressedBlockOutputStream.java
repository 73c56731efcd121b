package dev.ferry.chdb;

import java.io.IOException;
import java.io.OutputStream;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;

/**
 * Writes ClickHouse's native compressed block format, what a server sends for {@code compress=1}:
 * per block a CityHash128 checksum (16 bytes), the method byte (0x82 = LZ4), the compressed size
 * including the 9-byte header, the uncompressed size, then the LZ4 block.
 */
final class CompressedBlockOutputStream extends OutputStream {
    static final int HEADER_SIZE = 9;
    static final int CHECKSUM_SIZE = 16;
    static final byte METHOD_NONE = 0x02;
    static final byte METHOD_LZ4 = (byte) 0x82;
    static final byte METHOD_ZSTD = (byte) 0x90;
    /** ClickHouse's own block size for this stream (DBMS_DEFAULT_BUFFER_SIZE). */
    private static final int BLOCK_SIZE = 1 << 20;
    private static final LZ4Compressor LZ4 = LZ4Factory.fastestInstance().fastCompressor();

    private final OutputStream out;
    private final byte[] block = new byte[BLOCK_SIZE];
    private final byte[] compressed = new byte[CHECKSUM_SIZE + HEADER_SIZE + LZ4.maxCompressedLength(BLOCK_SIZE)];
    private int filled;

    CompressedBlockOutputStream(OutputStream out) {
        this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
        if (filled == block.length) {
            writeBlock();
        }
        block[filled++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            if (filled == block.length) {
                writeBlock();
            }
            int n = Math.min(len, block.length - filled);
            System.arraycopy(b, off, block, filled, n);
            filled += n;
            off += n;
            len -= n;
        }
    }

    /** Emits the pending bytes as a (possibly short) block, so the reader can decode them now. */
    @Override
    public void flush() throws IOException {
        if (filled > 0) {
            writeBlock();
        }
        out.flush();
    }

    @Override
    public void close() throws IOException {
        try {
            flush();
        } finally {
            out.close();
        }
    }

    private void writeBlock() throws IOException {
        int start = CHECKSUM_SIZE;
        int size = LZ4.compress(block, 0, filled, compressed, start + HEADER_SIZE,
                compressed.length - start - HEADER_SIZE);
        int sizeWithHeader = size + HEADER_SIZE;
        compressed[start] = METHOD_LZ4;
        putInt32(compressed, start + 1, sizeWithHeader);
        putInt32(compressed, start + 5, filled);
        long[] checksum = CityHash128.hash(compressed, start, sizeWithHeader);
        putInt64(compressed, 0, checksum[0]);
        putInt64(compressed, 8, checksum[1]);
        out.write(compressed, 0, CHECKSUM_SIZE + sizeWithHeader);
        filled = 0;
    }

    private static void putInt32(byte[] b, int pos, int v) {
        for (int i = 0; i < 4; i++) {
            b[pos + i] = (byte) (v >>> (8 * i));
        }
    }

    private static void putInt64(byte[] b, int pos, long v) {
        for (int i = 0; i < 8; i++) {
            b[pos + i] = (byte) (v >>> (8 * i));
        }
    }
}
