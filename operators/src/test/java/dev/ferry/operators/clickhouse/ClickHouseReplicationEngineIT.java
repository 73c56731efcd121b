package dev.ferry.operators.clickhouse;

import static dev.ferry.operators.clickhouse.ClickHouseDestinationLayoutTest.ORDERS;
import static dev.ferry.operators.clickhouse.ClickHouseDestinationLayoutTest.ORDERS_WITH_TOTAL;
import static dev.ferry.operators.clickhouse.ClickHouseDestinationLayoutTest.layout;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.GenericRecord;
import dev.ferry.state.record.ChangeRecord;
import dev.ferry.state.record.ChangeRecord.Kind;
import dev.ferry.state.record.RecordTypeInfo;
import dev.ferry.state.spec.PipeSpec;
import dev.ferry.state.spec.PipeSpecParser;
import dev.ferry.testing.ClickHouseReplicas;
import dev.ferry.testing.ClickHouseReplicas.Instance;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Replication against the real engine with a real ZooKeeper: two local ClickHouse instances
 * (replicas r1 and r2 of shard 01, see {@link ClickHouseReplicas}) on one ZooKeeper.
 *
 * <p>What this engine (chDB 26.5, i.e. clickhouse-local) can do: create Replicated*MergeTree tables,
 * whose metadata and replicas it registers in ZooKeeper (both instances see each other's replica);
 * rename, EXCHANGE and DROP them (not DROP ... SYNC, which never returns for a replicated table here);
 * Distributed tables over a cluster whose replica is itself
 * (written to without a network hop); everything Ferry issues inside a database. What it cannot:
 * activate a replicated table (it has no interserver_http_port, so every replicated table stays
 * read-only and refuses inserts and ALTERs), run ON CLUSTER DDL (no distributed DDL worker), or create
 * a Replicated database (same interserver address). Each is asserted below with the engine's own error.
 */
class ClickHouseReplicationEngineIT {
    private static Client r1;
    private static Client r2;

    @BeforeAll
    static void servers() {
        ClickHouseReplicas.start();
        r1 = ClickHouseReplicas.R1.client();
        r2 = ClickHouseReplicas.R2.client();
    }

    @AfterAll
    static void stop() {
        if (r1 != null) {
            r1.close();
            r2.close();
        }
        ClickHouseReplicas.stop();
    }

    private static String newDatabase() {
        return "repl_" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static String where(Instance i) {
        return "clickhouse " + i.url();
    }

    private static List<GenericRecord> query(Client client, String sql) {
        return client.queryAll(sql);
    }

    private static String one(Client client, String sql) {
        return query(client, sql).get(0).getString(1);
    }

    private static void run(Client client, List<String> statements) {
        statements.forEach(sql -> ClickHouseConnections.execute(client, sql));
    }

    /** What the DDL worker runs on each host for an ON CLUSTER statement: the statement without ON CLUSTER. */
    private static String perHost(String sql, String cluster) {
        return sql.replace(" ON CLUSTER `" + cluster + "`", "");
    }

    /** ... and with the UUID the initiator gave the new table, the same on every host. */
    private static String withUuid(String sql, String database, String table, String uuid) {
        String create = "CREATE TABLE IF NOT EXISTS " + ClickHouseSql.qualified(database, table);
        assertThat(sql).startsWith(create);
        return sql.replace(create, "CREATE TABLE " + ClickHouseSql.qualified(database, table) + " UUID '" + uuid + "'");
    }

    @Test
    void replicatedTablesRegisterInZooKeeperFromBothInstancesButStayReadOnly() throws Exception {
        String db = newDatabase();
        ClickHouseDestinationLayout layout = layout(Map.of("database", db, "table_engine", "replicated_replacing_merge_tree",
                "zookeeper_path", "/clickhouse/tables/{shard}/{database}/{table}"), null);
        assertThat(ClickHouseDestinationCheck.problems(r1, layout, where(ClickHouseReplicas.R1))).isEmpty();
        for (Client c : List.of(r1, r2)) {
            ClickHouseConnections.execute(c, ClickHouseTableDdl.createDatabase(layout));
            run(c, ClickHouseTableDdl.createTable(layout, ORDERS));
        }
        // {database} and {table} are expanded when the table is created; {shard} and {replica} stay macros.
        assertThat(one(r1, "SELECT engine_full FROM system.tables WHERE database = '" + db + "' AND name = 'orders'"))
                .startsWith("ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/" + db + "/orders', '{replica}',"
                        + " _version, _is_deleted) ORDER BY (shop, id)");
        String replicas = "SELECT zookeeper_path, replica_name, total_replicas, is_readonly FROM system.replicas"
                + " WHERE database = '" + db + "'";
        // Both replicas are registered in ZooKeeper under one path: each instance counts two.
        assertThat(query(r1, replicas).get(0).getString(1)).isEqualTo("/clickhouse/tables/01/" + db + "/orders");
        assertThat(query(r1, replicas).get(0).getString(2)).isEqualTo("r1");
        assertThat(query(r2, replicas).get(0).getString(2)).isEqualTo("r2");
        for (Client c : List.of(r1, r2)) {
            assertThat(query(c, replicas).get(0).getLong(3)).isEqualTo(2);
            assertThat(query(c, replicas).get(0).getLong(4)).isEqualTo(1);
        }
        // ... read-only: clickhouse-local never activates a replica (no interserver address to announce)
        assertThat(ClickHouseDestinationCheck.readOnlyReplicas(r1, layout, List.of("orders", "other"),
                where(ClickHouseReplicas.R1))).containsExactly(db + ".orders is a read-only replica on "
                        + where(ClickHouseReplicas.R1) + " (replica /clickhouse/tables/01/" + db + "/orders/replicas/r1):"
                        + " the server has no working ZooKeeper/Keeper session for it; see system.replicas");
        String advice = " -- the table is a read-only replica: its server has no working ZooKeeper/Keeper session for it"
                + " (system.replicas: is_readonly, zookeeper_exception); inserts succeed again once it has one";
        assertThatThrownBy(() -> run(r1, ClickHouseTableDdl.addColumns(layout, ORDERS, ORDERS_WITH_TOTAL)))
                .hasMessageStartingWith("Code: 242. DB::Exception: Table is in readonly mode (replica path:"
                        + " /clickhouse/tables/01/" + db + "/orders/replicas/r1). (TABLE_IS_READ_ONLY)")
                .hasMessageEndingWith(advice);
        // Ferry's sink: retried (a replica is read-only while it reconnects), then the pipe fails with the reason.
        PipeSpec spec = spec(ClickHouseReplicas.R1, db, "table_engine: replicated_replacing_merge_tree, zookeeper_path:"
                + " '/clickhouse/tables/{shard}/{database}/{table}'");
        assertThatThrownBy(() -> write(spec, List.of(row(Kind.SNAPSHOT, 1, 1, 1, "a"))))
                .satisfies(e -> assertThat(writerFailure(e)).startsWith("writing 1 rows to `" + db + "`.`orders` failed: "
                        + "Code: 242. DB::Exception: Table is in readonly mode: replica_path=/clickhouse/tables/01/" + db
                        + "/orders/replicas/r1. (TABLE_IS_READ_ONLY)").endsWith(advice));
    }

    @Test
    void resyncCopiesOfAPathWithoutUuidGetPathsOfTheirOwn() {
        String db = newDatabase();
        ClickHouseDestinationLayout layout = layout(Map.of("database", db, "table_engine", "replicated_replacing_merge_tree",
                "zookeeper_path", "/clickhouse/tables/{shard}/{database}/{table}"), null);
        ClickHouseConnections.execute(r1, ClickHouseTableDdl.createDatabase(layout));
        run(r1, ClickHouseTableDdl.createTable(layout, ORDERS));
        for (int generation = 2; generation <= 3; generation++) {
            ClickHouseResync.createCopy(r1, layout, ORDERS, dev.ferry.state.spec.DestinationTable.DEFAULT, generation);
            ClickHouseResync.swapIn(r1, layout, "orders", generation);
        }
        String path = one(r1, "SELECT zookeeper_path FROM system.replicas WHERE database = '" + db + "'");
        assertThat(path).matches("/clickhouse/tables/01/" + db + "/orders_resync_[0-9a-f]{8}");
        assertThat(query(r1, "SELECT name FROM system.tables WHERE database = '" + db + "'")).hasSize(1);
        // Without the suffix, the second resync's copy finds its path taken by the first one (now `orders`):
        run(r1, ClickHouseTableDdl.createTable(layout, "orders_resync", ORDERS, dev.ferry.state.spec.DestinationTable.DEFAULT, null, null));
        ClickHouseConnections.execute(r1, ClickHouseTableDdl.exchangeTables(layout, "orders", "orders_resync"));
        run(r1, ClickHouseTableDdl.dropTable(layout, "orders_resync"));
        assertThatThrownBy(() -> run(r1, ClickHouseTableDdl.createTable(layout, "orders_resync", ORDERS, dev.ferry.state.spec.DestinationTable.DEFAULT, null, null)))
                .hasMessageStartingWith("Code: 253. DB::Exception: Replica /clickhouse/tables/01/" + db
                        + "/orders_resync/replicas/r1 already exists. (REPLICA_ALREADY_EXISTS)")
                .hasMessageEndingWith(" -- another table holds this ZooKeeper path: a zookeeper_path without {uuid} is"
                        + " unique only by {database}/{table}, and a table dropped without SYNC keeps its path for a while");
        // (DROP ... SYNC, which frees such a path at once on a server, never returns for a replicated table here:
        // the engine cannot shut a replica down. Its statements are checked in ClickHouseDestinationLayoutTest.)
    }

    @Test
    void onClusterDdlIsRefusedHereButWhatEachHostRunsWorks() {
        String db = newDatabase();
        ClickHouseDestinationLayout layout = layout(Map.of("database", db, "cluster", ClickHouseReplicas.REPLICAS_CLUSTER),
                null);
        assertThat(ClickHouseDestinationCheck.problems(r1, layout, where(ClickHouseReplicas.R1))).isEmpty();
        assertThatThrownBy(() -> ClickHouseConnections.execute(r1, ClickHouseTableDdl.createDatabase(layout)))
                .hasMessageStartingWith("Code: 392. DB::Exception: Replicated DDL queries are disabled. (QUERY_IS_PROHIBITED)")
                .hasMessageEndingWith(" -- ON CLUSTER needs distributed DDL on the server (<distributed_ddl> and"
                        + " ZooKeeper/Keeper)");
        // The initiator of an ON CLUSTER CREATE gives the table one UUID on every host, so {uuid} in the path
        // names one ZooKeeper path for all replicas of a shard.
        String uuid = UUID.randomUUID().toString();
        for (Client c : List.of(r1, r2)) {
            ClickHouseConnections.execute(c, perHost(ClickHouseTableDdl.createDatabase(layout),
                    ClickHouseReplicas.REPLICAS_CLUSTER));
            ClickHouseConnections.execute(c, withUuid(perHost(ClickHouseTableDdl.createTable(layout, ORDERS).get(0),
                    ClickHouseReplicas.REPLICAS_CLUSTER), db, "orders", uuid));
        }
        for (Client c : List.of(r1, r2)) {
            GenericRecord replica = query(c, "SELECT zookeeper_path, total_replicas FROM system.replicas WHERE database = '"
                    + db + "'").get(0);
            assertThat(replica.getString(1)).isEqualTo("/clickhouse/tables/" + uuid + "/01");
            assertThat(replica.getLong(2)).isEqualTo(2);
        }
    }

    @Test
    void aReplicatedDatabaseCannotBeCreatedHereAndItsTablesTakeTheServerDefaults() {
        String db = newDatabase();
        assertThatThrownBy(() -> ClickHouseConnections.execute(r1, "CREATE DATABASE " + db
                + " ENGINE = Replicated('/clickhouse/databases/" + db + "', '{shard}', '{replica}')"))
                .hasMessageStartingWith("Code: 139. DB::Exception: Parameter 'interserver_http(s)_port' required for"
                        + " replication is not specified in configuration file. (NO_ELEMENTS_IN_CONFIG)")
                .hasMessageEndingWith(" -- the server has no interserver_http_port, so it cannot run replicated tables");
        // Inside a Replicated database Ferry omits path and replica; the server's defaults apply, with the
        // UUID the database gives the table on every replica (here given by hand in an Atomic database).
        ClickHouseDestinationLayout inReplicatedDatabase = ClickHouseDestinationLayout.of(
                ClickHouseDestinationLayoutTest.options(Map.of("database", db)), "Replicated");
        ClickHouseConnections.execute(r1, ClickHouseTableDdl.createDatabase(inReplicatedDatabase));
        String uuid = UUID.randomUUID().toString();
        ClickHouseConnections.execute(r1, withUuid(ClickHouseTableDdl.createTable(inReplicatedDatabase, ORDERS).get(0),
                db, "orders", uuid));
        assertThat(one(r1, "SELECT zookeeper_path || ' ' || replica_name FROM system.replicas WHERE database = '" + db + "'"))
                .isEqualTo("/clickhouse/tables/" + uuid + "/01 r1");
    }

    @Test
    void ferrysWriterInsertsThroughADistributedTableExactlyOnce() throws Exception {
        String db = newDatabase();
        String options = "cluster: " + ClickHouseReplicas.LOCAL_CLUSTER + ", table_engine: replacing_merge_tree,"
                + " distributed_table: true";
        PipeSpec spec = spec(ClickHouseReplicas.R1, db, options);
        ClickHouseDestinationLayout layout = ClickHouseDestinationLayout.detect(r1, spec.destination());
        assertThat(ClickHouseDestinationCheck.problems(r1, layout, where(ClickHouseReplicas.R1))).isEmpty();
        // What each host runs (this engine refuses ON CLUSTER itself).
        ClickHouseConnections.execute(r1, perHost(ClickHouseTableDdl.createDatabase(layout), ClickHouseReplicas.LOCAL_CLUSTER));
        for (String sql : ClickHouseTableDdl.createTable(layout, ORDERS)) {
            ClickHouseConnections.execute(r1, perHost(sql, ClickHouseReplicas.LOCAL_CLUSTER));
        }
        List<ChangeRecord> batch = List.of(row(Kind.SNAPSHOT, 1, 1, 1, "a"), row(Kind.SNAPSHOT, 1, 1, 2, "b"),
                row(Kind.UPDATE, 2, 1, 1, "a2"), row(Kind.DELETE, 3, 1, 2, null));
        String table = ClickHouseSql.qualified(db, "orders");
        ClickHouseConnections.execute(r1, "SYSTEM STOP MERGES " + table); // so that counting rows counts inserts
        write(spec, batch);
        String once = one(r1, "SELECT count() FROM " + table);
        write(spec, batch); // the same batch again, as after a failure: its token drops it
        assertThat(one(r1, "SELECT count() FROM " + table)).isEqualTo(once);
        assertThat(one(r1, "SELECT groupArray(note) FROM (SELECT note FROM " + ClickHouseSql.qualified(db,
                "orders_distributed") + " FINAL WHERE _is_deleted = 0 ORDER BY id)")).isEqualTo("['a2']");
    }

    @Test
    void theDistributedLayoutOfAReplicatedDatabaseRunsHere() {
        // Ferry's statements for a Replicated database with Distributed tables (no ON CLUSTER), here in an
        // Atomic database and with the non-replicated engine, the only parts this engine cannot do.
        String db = newDatabase();
        ClickHouseDestinationLayout layout = ClickHouseDestinationLayout.of(ClickHouseDestinationLayoutTest.options(Map.of(
                "database", db, "cluster", ClickHouseReplicas.LOCAL_CLUSTER, "table_engine", "replacing_merge_tree",
                "distributed_table", true)), "Replicated");
        ClickHouseConnections.execute(r1, ClickHouseTableDdl.createDatabase(layout));
        run(r1, ClickHouseTableDdl.createTable(layout, ORDERS));
        run(r1, ClickHouseTableDdl.addColumns(layout, ORDERS, ORDERS_WITH_TOTAL));
        assertThat(columns(db, "orders_distributed")).isEqualTo(columns(db, "orders")).contains("total");
        ClickHouseConnections.execute(r1, "INSERT INTO " + ClickHouseSql.qualified(db, "orders_distributed")
                + " (id, shop, _version, _is_deleted) SETTINGS distributed_foreground_insert = 1 VALUES (1, 1, 1, 0)");
        // A resync whose new table has a column fewer: after the swap the Distributed table has the new columns.
        ClickHouseResync.createCopy(r1, layout, ORDERS, dev.ferry.state.spec.DestinationTable.DEFAULT, 2);
        ClickHouseConnections.execute(r1, "INSERT INTO " + ClickHouseSql.qualified(db, "orders_resync_distributed")
                + " (id, shop, _version, _is_deleted) SETTINGS distributed_foreground_insert = 1 VALUES (7, 1, 1, 0)");
        ClickHouseResync.swapIn(r1, layout, "orders", 2);
        assertThat(columns(db, "orders_distributed")).isEqualTo(columns(db, "orders")).doesNotContain("total");
        assertThat(one(r1, "SELECT groupArray(id) FROM " + ClickHouseSql.qualified(db, "orders_distributed")))
                .isEqualTo("[7]");
        assertThat(query(r1, "SELECT name FROM system.tables WHERE database = '" + db + "' ORDER BY name").stream()
                .map(r -> r.getString(1)).toList()).containsExactly("orders", "orders_distributed");
        // The quorum settings a replicated layout sends are ones this server takes (a non-replicated table ignores them).
        StringBuilder settings = new StringBuilder();
        ClickHouseDestinationLayoutTest.CLUSTER_REPLICATED_DISTRIBUTED.insertSettings()
                .forEach((k, v) -> settings.append(settings.length() == 0 ? "" : ", ").append(k).append(" = '")
                        .append(v).append("'"));
        ClickHouseConnections.execute(r1, "INSERT INTO " + ClickHouseSql.qualified(db, "orders_distributed")
                + " (id, shop, _version, _is_deleted) SETTINGS " + settings + " VALUES (8, 1, 1, 0)");
        assertThat(one(r1, "SELECT count() FROM " + ClickHouseSql.qualified(db, "orders"))).isEqualTo("2");
    }

    private static String columns(String db, String table) {
        return query(r1, "SELECT groupArray(name || ' ' || type) FROM (SELECT name, type FROM system.columns"
                + " WHERE database = '" + db + "' AND table = '" + table + "' ORDER BY position)").get(0).getString(1);
    }

    private static PipeSpec spec(Instance instance, String db, String destinationOptions) {
        return PipeSpecParser.parse("""
                name: repl
                source: {type: postgres, host: 127.0.0.1, database: d, user: u}
                destination: {url: '%s', database: %s, %s}
                tables: [public.orders]
                """.formatted(instance.url(), db, destinationOptions), Map.of());
    }

    private static ChangeRecord row(Kind kind, long version, long shop, long id, String note) {
        return ChangeRecord.row(ORDERS.sourceId(), kind, version, new Object[] {id, shop, note});
    }

    /** Runs Ferry's ClickHouse writer over {@code records} in a local Flink job. */
    private static void write(PipeSpec spec, List<ChangeRecord> records) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromData(records, RecordTypeInfo.CHANGE_RECORD)
                .transform("clickhouse", RecordTypeInfo.DURABLE_PROGRESS, new ClickHouseWriter(spec, List.of(ORDERS), Map.of(), ClickHouseWriter.Role.CHANGES))
                .sinkTo(new DiscardingSink<>());
        env.execute("writer");
    }

    /** The writer's own message in a failed job's causes. */
    private static String writerFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().startsWith("writing ")) {
                return t.getMessage();
            }
        }
        throw new AssertionError("no writer failure in " + e, e);
    }
}
