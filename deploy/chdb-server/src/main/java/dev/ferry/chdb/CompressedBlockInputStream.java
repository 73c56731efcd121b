package dev.ferry.chdb;

import static dev.ferry.chdb.CompressedBlockOutputStream.CHECKSUM_SIZE;
import static dev.ferry.chdb.CompressedBlockOutputStream.HEADER_SIZE;
import static dev.ferry.chdb.CompressedBlockOutputStream.METHOD_LZ4;
import static dev.ferry.chdb.CompressedBlockOutputStream.METHOD_NONE;
import static dev.ferry.chdb.CompressedBlockOutputStream.METHOD_ZSTD;

import java.io.IOException;
import java.io.InputStream;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/**
 * Reads ClickHouse's native compressed block format, what a client sends with {@code decompress=1}.
 * Checksums are verified. LZ4 and uncompressed blocks are supported; ZSTD blocks are refused
 * (client-v2's default method when it compresses requests; set {@code compression.method=LZ4}).
 */
final class CompressedBlockInputStream extends InputStream {
    /** ClickHouse refuses larger blocks as corrupt; so do we, before allocating. */
    private static final int MAX_BLOCK_SIZE = 1 << 30;
    private static final LZ4SafeDecompressor LZ4 = LZ4Factory.fastestInstance().safeDecompressor();

    private final InputStream in;
    private final byte[] header = new byte[CHECKSUM_SIZE + HEADER_SIZE];
    private byte[] compressed = new byte[0];
    private byte[] block = new byte[0];
    private int position;
    private int limit;

    CompressedBlockInputStream(InputStream in) {
        this.in = in;
    }

    @Override
    public int read() throws IOException {
        if (position == limit && !nextBlock()) {
            return -1;
        }
        return block[position++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (position == limit && !nextBlock()) {
            return -1;
        }
        int n = Math.min(len, limit - position);
        System.arraycopy(block, position, b, off, n);
        position += n;
        return n;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    private boolean nextBlock() throws IOException {
        do {
            int got = in.readNBytes(header, 0, header.length);
            if (got == 0) {
                return false;
            }
            if (got < header.length) {
                throw corrupt("truncated block header");
            }
            byte method = header[CHECKSUM_SIZE];
            int sizeWithHeader = int32(header, CHECKSUM_SIZE + 1);
            int uncompressedSize = int32(header, CHECKSUM_SIZE + 5);
            if (sizeWithHeader < HEADER_SIZE || sizeWithHeader > MAX_BLOCK_SIZE
                    || uncompressedSize < 0 || uncompressedSize > MAX_BLOCK_SIZE) {
                throw corrupt("block sizes out of range");
            }
            if (compressed.length < sizeWithHeader) {
                compressed = new byte[sizeWithHeader];
            }
            System.arraycopy(header, CHECKSUM_SIZE, compressed, 0, HEADER_SIZE);
            if (in.readNBytes(compressed, HEADER_SIZE, sizeWithHeader - HEADER_SIZE) != sizeWithHeader - HEADER_SIZE) {
                throw corrupt("truncated block");
            }
            long[] checksum = CityHash128.hash(compressed, 0, sizeWithHeader);
            if (checksum[0] != CityHash128.fetch64(header, 0) || checksum[1] != CityHash128.fetch64(header, 8)) {
                throw new ClickHouseError(ClickHouseError.CHECKSUM_DOESNT_MATCH,
                        "Checksum doesn't match: corrupted data in the compressed request body");
            }
            if (block.length < uncompressedSize) {
                block = new byte[uncompressedSize];
            }
            decode(method, sizeWithHeader, uncompressedSize);
            position = 0;
            limit = uncompressedSize;
        } while (limit == 0);
        return true;
    }

    private void decode(byte method, int sizeWithHeader, int uncompressedSize) {
        if (method == METHOD_LZ4) {
            try {
                int size = LZ4.decompress(compressed, HEADER_SIZE, sizeWithHeader - HEADER_SIZE, block, 0, uncompressedSize);
                if (size != uncompressedSize) {
                    throw corrupt("LZ4 block length mismatch");
                }
            } catch (LZ4Exception e) {
                throw corrupt("invalid LZ4 block");
            }
        } else if (method == METHOD_NONE) {
            if (uncompressedSize != sizeWithHeader - HEADER_SIZE) {
                throw corrupt("uncompressed block length mismatch");
            }
            System.arraycopy(compressed, HEADER_SIZE, block, 0, uncompressedSize);
        } else if (method == METHOD_ZSTD) {
            throw new ClickHouseError(ClickHouseError.NOT_IMPLEMENTED,
                    "ZSTD-compressed request bodies (decompress=1) are not supported by Ferry's local ClickHouse;"
                            + " use LZ4 (client-v2: compression.method=LZ4) or no request compression");
        } else {
            throw new ClickHouseError(ClickHouseError.UNKNOWN_COMPRESSION_METHOD,
                    String.format("Unknown compression method: 0x%02x", method & 0xff));
        }
    }

    private static ClickHouseError corrupt(String what) {
        return new ClickHouseError(ClickHouseError.CANNOT_DECOMPRESS,
                "Cannot decompress the request body (decompress=1): " + what);
    }

    private static int int32(byte[] b, int pos) {
        return (b[pos] & 0xff) | (b[pos + 1] & 0xff) << 8 | (b[pos + 2] & 0xff) << 16 | (b[pos + 3] & 0xff) << 24;
    }
}
