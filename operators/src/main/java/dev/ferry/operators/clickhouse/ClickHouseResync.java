package dev.ferry.operators.clickhouse;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.GenericRecord;
import dev.ferry.state.schema.TableSchema;
import dev.ferry.state.spec.DestinationTable;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Resync copies: a table is reloaded into {@code <target>_resync} while the original keeps serving
 * queries (and keeps receiving changes, as does the copy), then the two are swapped atomically with
 * {@code EXCHANGE TABLES} and the old data dropped. The copy carries a comment naming its resync, which
 * {@code EXCHANGE} moves along with it: so a swap repeated after a failure sees it already happened.
 * Copy, swap and drop follow the destination's {@link ClickHouseDestinationLayout} like every other
 * DDL: {@code ON CLUSTER} on a cluster (every shard's table is swapped, not only the one the URL
 * reaches), the Replicated engine with its own ZooKeeper path, Distributed tables alongside.
 */
public final class ClickHouseResync {
    private static final String SUFFIX = "_resync";
    private static final String RELOAD_SUFFIX = "_reload";

    private ClickHouseResync() {}

    public static String copyOf(String target) {
        return target + SUFFIX;
    }

    /** Where the change stream copies a table again by itself ({@code TableReloading}); apart from a resync's copy. */
    public static String reloadOf(String target) {
        return target + RELOAD_SUFFIX;
    }

    private static final String RELOAD_MARKER = "ferry reload copy ";
    private static final String OF_SNAPSHOT = " of snapshot ";

    /**
     * A comment that names one reload of a table, copied under snapshot version {@code version}, for
     * {@link #swapIn(Client, ClickHouseDestinationLayout, String, String, String)}: it stays the table's
     * comment after the swap, so rows of an older snapshot can be told apart ({@link #reloadedAt}).
     */
    public static String reloadMarker(long version) {
        return RELOAD_MARKER + UUID.randomUUID() + OF_SNAPSHOT + Long.toUnsignedString(version);
    }

    /** The snapshot version of the reload whose copy {@code table} is, or 0 when it is none. */
    public static long reloadedAt(Client client, String database, String table) {
        String comment = comment(client, database, table);
        if (comment == null || !comment.startsWith(RELOAD_MARKER) || !comment.contains(OF_SNAPSHOT)) {
            return 0;
        }
        return Long.parseUnsignedLong(comment.substring(comment.indexOf(OF_SNAPSHOT) + OF_SNAPSHOT.length()));
    }

    private static String marker(int generation) {
        return "ferry resync copy, generation " + generation;
    }

    /** Creates an empty copy (replacing a leftover one) for the resync of generation {@code generation}. */
    public static void createCopy(Client client, ClickHouseDestinationLayout layout, TableSchema table,
            DestinationTable keys, int generation) {
        createCopy(client, layout, table, keys, copyOf(table.target()), marker(generation));
    }

    /**
     * Creates the empty table {@code copy} with {@code table}'s columns, keyed as {@code keys} say
     * (replacing a leftover one), commented {@code comment}.
     */
    public static void createCopy(Client client, ClickHouseDestinationLayout layout, TableSchema table,
            DestinationTable keys, String copy, String comment) {
        execute(client, ClickHouseTableDdl.dropTable(layout, copy));
        // A path made unique by {table} alone would collide with the copy of an earlier resync, which
        // EXCHANGE moved under the original's name: the copy's path gets a suffix of its own.
        String pathSuffix = UUID.randomUUID().toString().substring(0, 8);
        execute(client, ClickHouseTableDdl.createTable(layout, copy, table, keys, comment, pathSuffix));
    }

    /**
     * Puts the finished copy in the original's place and drops the old data; safe to repeat. With
     * Distributed tables, the original's is then made again from the new table (whose columns may differ).
     */
    public static void swapIn(Client client, ClickHouseDestinationLayout layout, String target, int generation) {
        swapIn(client, layout, target, copyOf(target), marker(generation));
    }

    /** Puts {@code copy}, commented {@code comment}, in {@code target}'s place and drops the old data; safe to repeat. */
    public static void swapIn(Client client, ClickHouseDestinationLayout layout, String target, String copy,
            String comment) {
        String database = layout.database();
        if (!comment.equals(comment(client, database, target))) {
            ClickHouseConnections.execute(client, ClickHouseTableDdl.exchangeTables(layout, target, copy));
        }
        execute(client, ClickHouseTableDdl.dropTable(layout, copy));
        if (layout.distributed()) {
            List<GenericRecord> key = client.queryAll("SELECT sorting_key FROM system.tables WHERE database = {db:String}"
                    + " AND name = {t:String}", Map.of("db", database, "t", target));
            ClickHouseConnections.execute(client, ClickHouseTableDdl.replaceDistributed(layout, target,
                    key.get(0).getString(1)));
        }
    }

    private static void execute(Client client, List<String> statements) {
        statements.forEach(sql -> ClickHouseConnections.execute(client, sql));
    }

    private static String comment(Client client, String database, String table) {
        List<GenericRecord> rows = client.queryAll("SELECT comment FROM system.tables WHERE database = {db:String}"
                + " AND name = {t:String}", Map.of("db", database, "t", table));
        return rows.isEmpty() ? null : rows.get(0).getString(1);
    }
}
