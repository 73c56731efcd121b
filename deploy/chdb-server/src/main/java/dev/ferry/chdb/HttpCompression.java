package dev.ferry.chdb;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Locale;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.InflaterInputStream;
import net.jpountz.lz4.LZ4FrameInputStream;
import net.jpountz.lz4.LZ4FrameOutputStream;

/**
 * HTTP-level compression ({@code Content-Encoding}): gzip, deflate (zlib) and lz4 (frame format,
 * what client-v2 uses with {@code client.use_http_compression}). ClickHouse knows more encodings;
 * the others are refused on requests and not offered on responses.
 */
final class HttpCompression {
    private static final int BUFFER = 64 * 1024;

    private HttpCompression() {
    }

    static InputStream decode(InputStream body, String contentEncoding) throws IOException {
        String encoding = contentEncoding == null ? "" : contentEncoding.strip().toLowerCase(Locale.ROOT);
        return switch (encoding) {
            case "", "identity", "none" -> body;
            case "gzip", "x-gzip" -> new GZIPInputStream(body, BUFFER);
            case "deflate" -> new InflaterInputStream(body);
            case "lz4" -> new LZ4FrameInputStream(body);
            default -> throw new ClickHouseError(ClickHouseError.NOT_IMPLEMENTED,
                    "Content-Encoding '" + contentEncoding + "' is not supported by Ferry's local ClickHouse"
                            + " (gzip, deflate and lz4 are)");
        };
    }

    /** The first encoding of the client's Accept-Encoding list that we can produce, or null. */
    static String choose(String acceptEncoding) {
        if (acceptEncoding == null) {
            return null;
        }
        for (String item : acceptEncoding.split(",")) {
            String encoding = item.split(";")[0].strip().toLowerCase(Locale.ROOT);
            if (encoding.equals("gzip") || encoding.equals("deflate") || encoding.equals("lz4")) {
                return encoding;
            }
        }
        return null;
    }

    static OutputStream encode(OutputStream out, String encoding, int level) throws IOException {
        return switch (encoding) {
            case "gzip" -> new GZIPOutputStream(out, BUFFER) {
                {
                    def.setLevel(level);
                }
            };
            case "deflate" -> new DeflaterOutputStream(out, new Deflater(level), BUFFER);
            case "lz4" -> new LZ4FrameOutputStream(out, LZ4FrameOutputStream.BLOCKSIZE.SIZE_256KB);
            default -> throw new IllegalArgumentException(encoding);
        };
    }
}
