package dev.ferry.chdb;

import com.sun.jna.Pointer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One {@code chdb_result}: a whole materialized result or one chunk of a streamed one. The data
 * stays in engine memory and is copied out in slices while writing.
 */
final class ChdbResult implements AutoCloseable {
    private static final int COPY_SLICE = 64 * 1024;

    private final ChdbLibrary lib;
    private final Pointer result;

    ChdbResult(ChdbLibrary lib, Pointer result) {
        this.lib = lib;
        this.result = result;
    }

    /** The engine's error text, or null. */
    String error() {
        Pointer error = lib.chdb_result_error(result);
        return error == null ? null : error.getString(0, StandardCharsets.UTF_8.name());
    }

    /** Throws the engine's error, if any; the counters of a failed result are garbage. */
    ChdbResult check() {
        String error = error();
        if (error != null) {
            throw ClickHouseError.fromEngine(error);
        }
        return this;
    }

    long length() {
        return lib.chdb_result_length(result);
    }

    /** The result's bytes, in engine memory: valid until this result is closed. */
    ByteBuffer data() {
        long length = length();
        return length == 0 ? ByteBuffer.allocate(0) : lib.chdb_result_buffer(result).getByteBuffer(0, length);
    }

    void writeTo(OutputStream out) throws IOException {
        write(data(), out);
    }

    static void write(ByteBuffer data, OutputStream out) throws IOException {
        byte[] slice = new byte[Math.min(data.remaining(), COPY_SLICE)];
        while (data.hasRemaining()) {
            int n = Math.min(data.remaining(), slice.length);
            data.get(slice, 0, n);
            out.write(slice, 0, n);
        }
    }

    String text() {
        byte[] bytes = length() == 0 ? new byte[0] : lib.chdb_result_buffer(result).getByteArray(0, (int) length());
        return new String(bytes, StandardCharsets.UTF_8);
    }

    QueryStats stats() {
        return new QueryStats(lib.chdb_result_storage_rows_read(result), lib.chdb_result_storage_bytes_read(result),
                lib.chdb_result_rows_written(result), lib.chdb_result_bytes_written(result),
                lib.chdb_result_rows_read(result), lib.chdb_result_bytes_read(result),
                (long) (lib.chdb_result_elapsed(result) * 1e9));
    }

    Pointer pointer() {
        return result;
    }

    @Override
    public void close() {
        lib.chdb_destroy_query_result(result);
    }
}
