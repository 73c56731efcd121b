package dev.ferry.chdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.clickhouse.client.api.internal.CompressedBlockOutputStream.LZ4OutputStream;
import com.clickhouse.data.ClickHouseCityHash;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Random;
import net.jpountz.lz4.LZ4Factory;
import org.junit.jupiter.api.Test;

/** Our native block format against client-v2's own reader, writer and CityHash. */
class CompressionTest {

    @Test
    @SuppressWarnings("deprecation") // the client's own CityHash is the reference
    void cityHash128MatchesClickHouseCityHash() {
        Random random = new Random(7);
        for (int length = 0; length < 1500; length++) {
            byte[] data = new byte[length + 3];
            random.nextBytes(data);
            long[] ours = CityHash128.hash(data, 3, length);
            long[] theirs = ClickHouseCityHash.cityHash128(data, 3, length);
            assertThat(ours).as("length %d", length).containsExactly(theirs);
        }
    }

    @Test
    void clientReadsWhatWeCompress() throws IOException {
        byte[] data = sample(3_000_000);
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        try (OutputStream out = new CompressedBlockOutputStream(compressed)) {
            out.write(data, 0, 10);
            out.flush();
            out.write(data, 10, data.length - 10);
        }
        assertThat(compressed.size()).isLessThan(data.length);
        InputStream in = new com.clickhouse.client.api.internal.CompressedBlockInputStream(
                new ByteArrayInputStream(compressed.toByteArray()), LZ4Factory.fastestInstance().fastDecompressor(),
                65536);
        assertThat(in.readAllBytes()).isEqualTo(data);
    }

    @Test
    void weReadWhatTheClientCompresses() throws IOException {
        byte[] data = sample(500_000);
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        try (OutputStream out = new LZ4OutputStream(compressed, LZ4Factory.fastestInstance().fastCompressor(), 8192)) {
            out.write(data);
        }
        try (InputStream in = new CompressedBlockInputStream(new ByteArrayInputStream(compressed.toByteArray()))) {
            assertThat(in.readAllBytes()).isEqualTo(data);
        }
    }

    @Test
    void corruptionAndZstdAreReported() throws IOException {
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        try (OutputStream out = new CompressedBlockOutputStream(compressed)) {
            out.write(sample(1000));
        }
        byte[] corrupted = compressed.toByteArray();
        corrupted[corrupted.length - 1] ^= 1;
        assertThatThrownBy(() -> new CompressedBlockInputStream(new ByteArrayInputStream(corrupted)).readAllBytes())
                .isInstanceOfSatisfying(ClickHouseError.class,
                        e -> assertThat(e.code()).isEqualTo(ClickHouseError.CHECKSUM_DOESNT_MATCH));

        byte[] zstd = compressed.toByteArray();
        zstd[16] = (byte) 0x90;
        long[] checksum = CityHash128.hash(zstd, 16, zstd.length - 16);
        for (int i = 0; i < 8; i++) {
            zstd[i] = (byte) (checksum[0] >>> (8 * i));
            zstd[8 + i] = (byte) (checksum[1] >>> (8 * i));
        }
        assertThatThrownBy(() -> new CompressedBlockInputStream(new ByteArrayInputStream(zstd)).readAllBytes())
                .isInstanceOfSatisfying(ClickHouseError.class,
                        e -> assertThat(e.code()).isEqualTo(ClickHouseError.NOT_IMPLEMENTED));
    }

    /** Compressible but not trivial: text with random runs. */
    private static byte[] sample(int size) {
        Random random = new Random(size);
        byte[] data = new byte[size];
        for (int i = 0; i < size; i++) {
            data[i] = random.nextInt(4) == 0 ? (byte) random.nextInt(256) : (byte) ('a' + i % 26);
        }
        return data;
    }
}
