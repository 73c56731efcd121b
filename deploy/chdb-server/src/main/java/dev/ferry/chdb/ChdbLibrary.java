package dev.ferry.chdb;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.file.Path;

/**
 * The part of libchdb.so's C API (chdb.h) this server uses. {@code size_t} is mapped to
 * {@code long} (64-bit Linux). Strings cross as UTF-8 bytes with explicit lengths, never as Java
 * Strings, so JNA's platform default encoding plays no part.
 */
interface ChdbLibrary extends Library {

    static ChdbLibrary load(Path libchdb) {
        return Native.load(libchdb.toAbsolutePath().toString(), ChdbLibrary.class);
    }

    /** Call before the first connect: keeps the engine away from the JVM's signal handlers. */
    void chdb_set_signal_handlers_enabled(int enabled);

    /** Takes a NUL-terminated {@code char**} argv; returns a {@code chdb_connection*}, or null. */
    Pointer chdb_connect(int argc, Pointer argv);

    void chdb_close_conn(Pointer connectionPointer);

    Pointer chdb_query_with_params_n(Pointer conn, byte[] query, long queryLen, byte[] format, long formatLen,
            Pointer[] names, long[] nameLens, Pointer[] values, long[] valueLens, long count);

    Pointer chdb_stream_query_with_params_n(Pointer conn, byte[] query, long queryLen, byte[] format, long formatLen,
            Pointer[] names, long[] nameLens, Pointer[] values, long[] valueLens, long count);

    Pointer chdb_stream_fetch_result(Pointer conn, Pointer stream);

    void chdb_stream_cancel_query(Pointer conn, Pointer stream);

    void chdb_destroy_query_result(Pointer result);

    Pointer chdb_result_buffer(Pointer result);

    long chdb_result_length(Pointer result);

    Pointer chdb_result_error(Pointer result);

    double chdb_result_elapsed(Pointer result);

    /** Rows in the result set (result_rows). */
    long chdb_result_rows_read(Pointer result);

    /** Bytes of the result set (result_bytes). */
    long chdb_result_bytes_read(Pointer result);

    /** Rows read from storage (read_rows). */
    long chdb_result_storage_rows_read(Pointer result);

    long chdb_result_storage_bytes_read(Pointer result);

    long chdb_result_rows_written(Pointer result);

    long chdb_result_bytes_written(Pointer result);
}
