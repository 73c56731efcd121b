package dev.ferry.chdb;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One engine connection, lent to one request at a time. A connection is a session: its current
 * database and its settings persist. A request gets its own by {@link #prepare}; what it changed
 * is undone when the connection goes back to the pool, or, when that cannot be undone, the
 * connection is replaced.
 */
final class ChdbConnection implements AutoCloseable {
    private final ChdbEngine engine;
    private final ChdbLibrary lib;
    private final Pointer handle;
    private final Pointer connection;
    private final Set<String> appliedSettings = new LinkedHashSet<>();
    /** The session's current database; null when a statement may have changed it. */
    private String database;
    private boolean sessionChanged;

    ChdbConnection(ChdbEngine engine, ChdbLibrary lib, Pointer handle) {
        this.engine = engine;
        this.lib = lib;
        this.handle = handle;
        this.connection = handle.getPointer(0);
    }

    /** Makes this session look like a fresh server query context for the request. */
    void prepare(String database, Map<String, String> settings) {
        if (!database.equals(this.database)) {
            this.database = null;
            execute("USE " + identifier(database));
            this.database = database;
        }
        if (!settings.isEmpty()) {
            // SET is all or nothing, so only a successful one leaves anything to undo.
            execute("SET " + settings.entrySet().stream()
                    .map(e -> e.getKey() + " = " + literal(e.getValue()))
                    .collect(Collectors.joining(", ")));
            appliedSettings.addAll(settings.keySet());
        }
    }

    /** The statement about to run changes session state that {@link #restore} cannot undo. */
    void markSessionChanged() {
        sessionChanged = true;
    }

    /** The statement about to run may switch the current database (USE). */
    void forgetDatabase() {
        database = null;
    }

    /** Runs a statement and returns its whole result. */
    ChdbResult query(byte[] sql, String format, Map<String, String> params) {
        QueryParams p = new QueryParams(params);
        byte[] fmt = format.getBytes(StandardCharsets.UTF_8);
        return new ChdbResult(lib, lib.chdb_query_with_params_n(connection, sql, sql.length, fmt, fmt.length,
                p.names, p.nameLengths, p.values, p.valueLengths, p.count)).check();
    }

    /** Starts a SELECT whose result is fetched chunk by chunk. */
    ChdbStream stream(byte[] sql, String format, Map<String, String> params) {
        QueryParams p = new QueryParams(params);
        byte[] fmt = format.getBytes(StandardCharsets.UTF_8);
        ChdbResult handleResult = new ChdbResult(lib, lib.chdb_stream_query_with_params_n(connection, sql, sql.length,
                fmt, fmt.length, p.names, p.nameLengths, p.values, p.valueLengths, p.count));
        try {
            handleResult.check();
        } catch (ClickHouseError e) {
            handleResult.close();
            throw e;
        }
        return new ChdbStream(lib, connection, handleResult);
    }

    /** Runs an internal statement (USE, SET); only success matters. */
    void execute(String sql) {
        query(sql.getBytes(StandardCharsets.UTF_8), "TabSeparated", Map.of()).close();
    }

    /**
     * Puts back the settings the request changed: to the server profile's value where it has
     * one, otherwise to the engine default. Returns false when the session cannot be trusted.
     */
    boolean restore(Map<String, String> profile) {
        if (sessionChanged) {
            return false;
        }
        if (appliedSettings.isEmpty()) {
            return true;
        }
        String sql = "SET " + appliedSettings.stream()
                .map(name -> name + " = " + (profile.containsKey(name) ? literal(profile.get(name)) : "DEFAULT"))
                .collect(Collectors.joining(", "));
        appliedSettings.clear();
        try {
            execute(sql);
            return true;
        } catch (ClickHouseError e) {
            return false;
        }
    }

    /** Hands the connection back to the pool. */
    @Override
    public void close() {
        engine.release(this);
    }

    void disconnect() {
        lib.chdb_close_conn(handle);
    }

    static String literal(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    private static String identifier(String name) {
        return "`" + name.replace("\\", "\\\\").replace("`", "\\`") + "`";
    }

    /** Query parameters as the C API wants them: parallel arrays of UTF-8 buffers and lengths. */
    private static final class QueryParams {
        final Pointer[] names;
        final long[] nameLengths;
        final Pointer[] values;
        final long[] valueLengths;
        final int count;

        QueryParams(Map<String, String> params) {
            count = params.size();
            names = count == 0 ? null : new Pointer[count];
            nameLengths = count == 0 ? null : new long[count];
            values = count == 0 ? null : new Pointer[count];
            valueLengths = count == 0 ? null : new long[count];
            int i = 0;
            for (Map.Entry<String, String> e : params.entrySet()) {
                nameLengths[i] = put(names, i, e.getKey());
                valueLengths[i] = put(values, i, e.getValue());
                i++;
            }
        }

        private static long put(Pointer[] array, int i, String s) {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            Memory memory = new Memory(Math.max(1, bytes.length));
            memory.write(0, bytes, 0, bytes.length);
            array[i] = memory;
            return bytes.length;
        }
    }
}
