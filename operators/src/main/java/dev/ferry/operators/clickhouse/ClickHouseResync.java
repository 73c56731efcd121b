package dev.ferry.operators.clickhouse;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.GenericRecord;
import dev.ferry.state.schema.TableSchema;
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

    private ClickHouseResync() {}

    public static String copyOf(String target) {
        return target + SUFFIX;
    }

    private static String marker(int generation) {
        return "ferry resync copy, generation " + generation;
    }

    /** Creates an empty copy (replacing a leftover one) for the resync of generation {@code generation}. */
    public static void createCopy(Client client, ClickHouseDestinationLayout layout, TableSchema table, int generation) {
        String copy = copyOf(table.target());
        execute(client, ClickHouseTableDdl.dropTable(layout, copy));
        // A path made unique by {table} alone would collide with the copy of an earlier resync, which
        // EXCHANGE moved under the original's name: the copy's path gets a suffix of its own.
        String pathSuffix = UUID.randomUUID().toString().substring(0, 8);
        execute(client, ClickHouseTableDdl.createTable(layout, copy, table, marker(generation), pathSuffix));
    }

    /**
     * Puts the finished copy in the original's place and drops the old data; safe to repeat. With
     * Distributed tables, the original's is then made again from the new table (whose columns may differ).
     */
    public static void swapIn(Client client, ClickHouseDestinationLayout layout, String target, int generation) {
        String database = layout.database();
        if (!marker(generation).equals(comment(client, database, target))) {
            ClickHouseConnections.execute(client, ClickHouseTableDdl.exchangeTables(layout, target, copyOf(target)));
        }
        execute(client, ClickHouseTableDdl.dropTable(layout, copyOf(target)));
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
