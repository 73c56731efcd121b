package dev.ferry.chdb;

import com.sun.jna.Pointer;

/** A streamed SELECT: its result arrives chunk by chunk (about one engine block each). */
final class ChdbStream implements AutoCloseable {
    /**
     * chDB 26.5 answers a fetch after a result that ended without a terminating empty chunk (an
     * empty result set) with this error instead of another empty chunk.
     */
    private static final String NO_ACTIVE_STREAM = "No active streaming query";

    private final ChdbLibrary lib;
    private final Pointer connection;
    private final ChdbResult handle;
    private int chunks;
    private boolean finished;

    ChdbStream(ChdbLibrary lib, Pointer connection, ChdbResult handle) {
        this.lib = lib;
        this.connection = connection;
        this.handle = handle;
    }

    /** The next chunk (close it after use), or null at the end. Throws the query's error. */
    ChdbResult next() {
        if (finished) {
            return null;
        }
        ChdbResult chunk = new ChdbResult(lib, lib.chdb_stream_fetch_result(connection, handle.pointer()));
        String error = chunk.error();
        if (error != null || chunk.length() == 0) {
            chunk.close();
            finished = true;
            if (error != null && !(chunks > 0 && error.contains(NO_ACTIVE_STREAM))) {
                throw ClickHouseError.fromEngine(error);
            }
            return null;
        }
        chunks++;
        return chunk;
    }

    /** Stops the query if it is still producing (the client went away, or we failed writing). */
    @Override
    public void close() {
        if (!finished) {
            lib.chdb_stream_cancel_query(connection, handle.pointer());
            finished = true;
        }
        handle.close();
    }
}
