package dev.ferry.operators.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.state.schema.ColumnSchema;
import dev.ferry.state.schema.ColumnType;
import dev.ferry.state.schema.ColumnType.Kind;
import dev.ferry.state.schema.TableSchema;
import dev.ferry.state.spec.DestinationOptions;
import dev.ferry.state.spec.OptionValues;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Golden DDL of every layout: plain, replicated without a cluster, ON CLUSTER (sharded, replicated,
 * with a Distributed table), a Replicated database (with and without a Distributed table). The
 * engine parses and, where it can, runs the same statements ({@link ClickHouseLayoutEngineIT},
 * {@link ClickHouseReplicationEngineIT}).
 */
class ClickHouseDestinationLayoutTest {
    static final TableSchema ORDERS = new TableSchema("public.orders", "orders", List.of(
            new ColumnSchema("id", ColumnType.of(Kind.INT64), false, "int8"),
            new ColumnSchema("shop", ColumnType.of(Kind.INT32), false, "int4"),
            new ColumnSchema("note", ColumnType.of(Kind.STRING), true, "text")), List.of("shop", "id"));
    static final TableSchema ORDERS_WITH_TOTAL = ORDERS.withColumns(List.of(ORDERS.columns().get(0),
            ORDERS.columns().get(1), ORDERS.columns().get(2),
            new ColumnSchema("total", ColumnType.decimal(12, 2), true, "numeric(12,2)")));

    private static final String COLUMNS = """
             (
              `id` Int64,
              `shop` Int32,
              `note` Nullable(String),
              `_version` UInt64,
              `_is_deleted` UInt8,
              `_synced_at` DateTime64(9) DEFAULT now64(9)
            )""";

    static OptionValues options(Map<String, Object> values) {
        OptionValues options = OptionValues.empty().with(DestinationOptions.URL, "http://127.0.0.1:8123")
                .with(DestinationOptions.DATABASE, "shop");
        for (Map.Entry<String, Object> e : values.entrySet()) {
            options = options.with(DestinationOptions.ALL.stream().filter(o -> o.key().equals(e.getKey())).findFirst()
                    .orElseThrow(), e.getValue());
        }
        return options;
    }

    static ClickHouseDestinationLayout layout(Map<String, Object> values, String databaseEngine) {
        return ClickHouseDestinationLayout.of(options(values), databaseEngine);
    }

    static final ClickHouseDestinationLayout PLAIN = layout(Map.of(), "Atomic");
    static final ClickHouseDestinationLayout REPLICATED_NO_CLUSTER = layout(Map.of(
            "table_engine", "replicated_replacing_merge_tree",
            "zookeeper_path", "/clickhouse/tables/{shard}/{database}/{table}"), null);
    static final ClickHouseDestinationLayout CLUSTER_REPLICATED = layout(Map.of("cluster", "ferry"), "Atomic");
    static final ClickHouseDestinationLayout CLUSTER_SHARDS_DISTRIBUTED = layout(Map.of("cluster", "ferry",
            "table_engine", "replacing_merge_tree", "distributed_table", true), null);
    static final ClickHouseDestinationLayout CLUSTER_REPLICATED_DISTRIBUTED = layout(Map.of("cluster", "{cluster}",
            "distributed_table", true, "sharding_key", "sipHash64(`id`)", "insert_quorum", "auto",
            "insert_quorum_timeout", 60_000), "Atomic");
    static final ClickHouseDestinationLayout REPLICATED_DATABASE = layout(Map.of(), "Replicated");
    static final ClickHouseDestinationLayout REPLICATED_DATABASE_DISTRIBUTED =
            layout(Map.of("distributed_table", true, "insert_quorum", 2), "Replicated");

    /** Every layout above with its statements, for the engine tests. */
    static final Map<String, ClickHouseDestinationLayout> ALL = Map.of(
            "plain", PLAIN,
            "replicated without cluster", REPLICATED_NO_CLUSTER,
            "cluster, replicated", CLUSTER_REPLICATED,
            "cluster, shards, distributed", CLUSTER_SHARDS_DISTRIBUTED,
            "cluster, replicated, distributed", CLUSTER_REPLICATED_DISTRIBUTED,
            "replicated database", REPLICATED_DATABASE,
            "replicated database, distributed", REPLICATED_DATABASE_DISTRIBUTED);

    @Test
    void plain() {
        assertThat(ClickHouseTableDdl.createDatabase(PLAIN)).isEqualTo("CREATE DATABASE IF NOT EXISTS `shop`");
        assertThat(ClickHouseTableDdl.createTable(PLAIN, ORDERS)).containsExactly(
                "CREATE TABLE IF NOT EXISTS `shop`.`orders`" + COLUMNS + """

                ENGINE = ReplacingMergeTree(`_version`, `_is_deleted`)
                ORDER BY (`shop`, `id`)
                SETTINGS non_replicated_deduplication_window = 1000""");
        // The single-server entry points are this layout.
        assertThat(ClickHouseTableDdl.createTable("shop", ORDERS)).isEqualTo(ClickHouseTableDdl.createTable(PLAIN, ORDERS).get(0));
        assertThat(ClickHouseTableDdl.addColumns(PLAIN, ORDERS, ORDERS_WITH_TOTAL)).containsExactly(
                "ALTER TABLE `shop`.`orders` ADD COLUMN IF NOT EXISTS `total` Nullable(Decimal(12, 2))");
        assertThat(ClickHouseTableDdl.exchangeTables(PLAIN, "orders", "orders_resync"))
                .isEqualTo("EXCHANGE TABLES `shop`.`orders` AND `shop`.`orders_resync`");
        assertThat(ClickHouseTableDdl.dropTable(PLAIN, "orders")).containsExactly("DROP TABLE IF EXISTS `shop`.`orders`");
        assertThat(PLAIN.insertTable("orders")).isEqualTo("orders");
        assertThat(PLAIN.insertSettings()).isEmpty();
        assertThat(PLAIN).hasToString("ReplacingMergeTree in database shop");
    }

    @Test
    void replicatedWithoutCluster() {
        assertThat(ClickHouseTableDdl.createDatabase(REPLICATED_NO_CLUSTER)).isEqualTo("CREATE DATABASE IF NOT EXISTS `shop`");
        assertThat(ClickHouseTableDdl.createTable(REPLICATED_NO_CLUSTER, ORDERS)).containsExactly(
                "CREATE TABLE IF NOT EXISTS `shop`.`orders`" + COLUMNS + """

                ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', \
                `_version`, `_is_deleted`)
                ORDER BY (`shop`, `id`)""");
        // A path made of {database}/{table} is free again at once only after DROP ... SYNC.
        assertThat(ClickHouseTableDdl.dropTableReleasingPath(REPLICATED_NO_CLUSTER, "orders"))
                .containsExactly("DROP TABLE IF EXISTS `shop`.`orders` SYNC");
        assertThat(ClickHouseTableDdl.dropTable(REPLICATED_NO_CLUSTER, "orders_resync"))
                .containsExactly("DROP TABLE IF EXISTS `shop`.`orders_resync`");
        assertThat(REPLICATED_NO_CLUSTER.insertSettings()).isEmpty();
    }

    @Test
    void resyncCopyOfAPathWithoutUuidGetsAPathOfItsOwn() {
        assertThat(ClickHouseTableDdl.createTable(REPLICATED_NO_CLUSTER, "orders_resync", ORDERS, dev.ferry.state.spec.DestinationTable.DEFAULT,
                "ferry resync copy, generation 2", "0a1b2c3d").get(0)).endsWith("""
                ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}_0a1b2c3d', \
                '{replica}', `_version`, `_is_deleted`)
                ORDER BY (`shop`, `id`)
                COMMENT 'ferry resync copy, generation 2'""");
        // {uuid} is unique per table already
        assertThat(ClickHouseTableDdl.createTable(CLUSTER_REPLICATED, "orders_resync", ORDERS, dev.ferry.state.spec.DestinationTable.DEFAULT, "c", "0a1b2c3d").get(0))
                .contains("ReplicatedReplacingMergeTree('/clickhouse/tables/{uuid}/{shard}', '{replica}',");
    }

    @Test
    void clusterReplicated() {
        assertThat(ClickHouseTableDdl.createDatabase(CLUSTER_REPLICATED))
                .isEqualTo("CREATE DATABASE IF NOT EXISTS `shop` ON CLUSTER `ferry`");
        assertThat(ClickHouseTableDdl.createTable(CLUSTER_REPLICATED, ORDERS)).containsExactly(
                "CREATE TABLE IF NOT EXISTS `shop`.`orders` ON CLUSTER `ferry`" + COLUMNS + """

                ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{uuid}/{shard}', '{replica}', \
                `_version`, `_is_deleted`)
                ORDER BY (`shop`, `id`)""");
        assertThat(ClickHouseTableDdl.addColumns(CLUSTER_REPLICATED, ORDERS, ORDERS_WITH_TOTAL)).containsExactly(
                "ALTER TABLE `shop`.`orders` ON CLUSTER `ferry` ADD COLUMN IF NOT EXISTS `total` Nullable(Decimal(12, 2))");
        assertThat(ClickHouseTableDdl.exchangeTables(CLUSTER_REPLICATED, "orders", "orders_resync"))
                .isEqualTo("EXCHANGE TABLES `shop`.`orders` AND `shop`.`orders_resync` ON CLUSTER `ferry`");
        // {uuid} paths are the table's own: nothing to wait for.
        assertThat(ClickHouseTableDdl.dropTableReleasingPath(CLUSTER_REPLICATED, "orders"))
                .containsExactly("DROP TABLE IF EXISTS `shop`.`orders` ON CLUSTER `ferry`");
        assertThat(CLUSTER_REPLICATED.insertTable("orders")).isEqualTo("orders");
        assertThat(CLUSTER_REPLICATED).hasToString("ReplicatedReplacingMergeTree in database shop ON CLUSTER ferry");
    }

    @Test
    void clusterShardsWithDistributedTable() {
        assertThat(ClickHouseTableDdl.createTable(CLUSTER_SHARDS_DISTRIBUTED, ORDERS)).containsExactly(
                "CREATE TABLE IF NOT EXISTS `shop`.`orders` ON CLUSTER `ferry`" + COLUMNS + """

                ENGINE = ReplacingMergeTree(`_version`, `_is_deleted`)
                ORDER BY (`shop`, `id`)
                SETTINGS non_replicated_deduplication_window = 1000""",
                """
                CREATE TABLE IF NOT EXISTS `shop`.`orders_distributed` ON CLUSTER `ferry` AS `shop`.`orders`
                ENGINE = Distributed('ferry', 'shop', 'orders', cityHash64(`shop`, `id`))""");
        assertThat(ClickHouseTableDdl.addColumns(CLUSTER_SHARDS_DISTRIBUTED, ORDERS, ORDERS_WITH_TOTAL)).containsExactly(
                "ALTER TABLE `shop`.`orders` ON CLUSTER `ferry` ADD COLUMN IF NOT EXISTS `total` Nullable(Decimal(12, 2))",
                "ALTER TABLE `shop`.`orders_distributed` ON CLUSTER `ferry` ADD COLUMN IF NOT EXISTS `total`"
                        + " Nullable(Decimal(12, 2))");
        assertThat(ClickHouseTableDdl.dropTable(CLUSTER_SHARDS_DISTRIBUTED, "orders")).containsExactly(
                "DROP TABLE IF EXISTS `shop`.`orders_distributed` ON CLUSTER `ferry`",
                "DROP TABLE IF EXISTS `shop`.`orders` ON CLUSTER `ferry`");
        assertThat(ClickHouseTableDdl.replaceDistributed(CLUSTER_SHARDS_DISTRIBUTED, "orders", "shop, id")).isEqualTo("""
                CREATE OR REPLACE TABLE `shop`.`orders_distributed` ON CLUSTER `ferry` AS `shop`.`orders`
                ENGINE = Distributed('ferry', 'shop', 'orders', cityHash64(shop, id))""");
        assertThat(CLUSTER_SHARDS_DISTRIBUTED.insertTable("orders")).isEqualTo("orders_distributed");
        // Through a Distributed table an insert returns once the shards have the rows, not once queued.
        assertThat(CLUSTER_SHARDS_DISTRIBUTED.insertSettings()).containsExactly(Map.entry("distributed_foreground_insert", "1"));
    }

    @Test
    void clusterReplicatedDistributedWithQuorumAndMacroCluster() {
        assertThat(ClickHouseTableDdl.createTable(CLUSTER_REPLICATED_DISTRIBUTED, ORDERS)).containsExactly(
                "CREATE TABLE IF NOT EXISTS `shop`.`orders` ON CLUSTER `{cluster}`" + COLUMNS + """

                ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{uuid}/{shard}', '{replica}', \
                `_version`, `_is_deleted`)
                ORDER BY (`shop`, `id`)""",
                """
                CREATE TABLE IF NOT EXISTS `shop`.`orders_distributed` ON CLUSTER `{cluster}` AS `shop`.`orders`
                ENGINE = Distributed('{cluster}', 'shop', 'orders', sipHash64(`id`))""");
        assertThat(CLUSTER_REPLICATED_DISTRIBUTED.insertSettings()).containsExactly(Map.entry("insert_quorum", "auto"),
                Map.entry("insert_quorum_timeout", "60000"), Map.entry("distributed_foreground_insert", "1"));
    }

    @Test
    void replicatedDatabaseGetsPlainDdlAndNoPath() {
        assertThat(REPLICATED_DATABASE.replicated()).isTrue();
        assertThat(ClickHouseTableDdl.createDatabase(REPLICATED_DATABASE)).isEqualTo("CREATE DATABASE IF NOT EXISTS `shop`");
        assertThat(ClickHouseTableDdl.createTable(REPLICATED_DATABASE, ORDERS)).containsExactly(
                "CREATE TABLE IF NOT EXISTS `shop`.`orders`" + COLUMNS + """

                ENGINE = ReplicatedReplacingMergeTree(`_version`, `_is_deleted`)
                ORDER BY (`shop`, `id`)""");
        assertThat(ClickHouseTableDdl.addColumns(REPLICATED_DATABASE, ORDERS, ORDERS_WITH_TOTAL)).containsExactly(
                "ALTER TABLE `shop`.`orders` ADD COLUMN IF NOT EXISTS `total` Nullable(Decimal(12, 2))");
        assertThat(ClickHouseTableDdl.exchangeTables(REPLICATED_DATABASE, "orders", "orders_resync"))
                .isEqualTo("EXCHANGE TABLES `shop`.`orders` AND `shop`.`orders_resync`");
        assertThat(ClickHouseTableDdl.dropTableReleasingPath(REPLICATED_DATABASE, "orders"))
                .containsExactly("DROP TABLE IF EXISTS `shop`.`orders`");
        assertThat(REPLICATED_DATABASE).hasToString("ReplicatedReplacingMergeTree in Replicated database shop");
        // A cluster option does not add ON CLUSTER inside a Replicated database (ClickHouse refuses it there).
        ClickHouseDestinationLayout withCluster = layout(Map.of("cluster", "ferry"), "Replicated");
        assertThat(withCluster.ddlCluster()).isNull();
        assertThat(ClickHouseTableDdl.createTable(withCluster, ORDERS)).isEqualTo(
                ClickHouseTableDdl.createTable(REPLICATED_DATABASE, ORDERS));
    }

    @Test
    void replicatedDatabaseDistributedSpansTheDatabasesCluster() {
        assertThat(ClickHouseTableDdl.createTable(REPLICATED_DATABASE_DISTRIBUTED, ORDERS).get(1)).isEqualTo("""
                CREATE TABLE IF NOT EXISTS `shop`.`orders_distributed` AS `shop`.`orders`
                ENGINE = Distributed('shop', 'shop', 'orders', cityHash64(`shop`, `id`))""");
        assertThat(REPLICATED_DATABASE_DISTRIBUTED.insertSettings()).containsExactly(Map.entry("insert_quorum", "2"),
                Map.entry("distributed_foreground_insert", "1"));
    }

    @Test
    void forcedReplacingMergeTreeInAReplicatedDatabase() {
        ClickHouseDestinationLayout layout = layout(Map.of("table_engine", "replacing_merge_tree"), "Replicated");
        assertThat(ClickHouseTableDdl.createTable(layout, ORDERS).get(0)).endsWith("""
                ENGINE = ReplacingMergeTree(`_version`, `_is_deleted`)
                ORDER BY (`shop`, `id`)
                SETTINGS non_replicated_deduplication_window = 1000""");
    }

    @Test
    void statusTableEnginesFollowTheirDatabase() {
        assertThat(ClickHouseDestinationLayout.ofDatabase("ferry", "Atomic").engine("MergeTree", "", null))
                .isEqualTo("MergeTree()");
        assertThat(ClickHouseDestinationLayout.ofDatabase("ferry", "Replicated").engine("ReplacingMergeTree", "updated_at",
                null)).isEqualTo("ReplicatedReplacingMergeTree(updated_at)");
        assertThat(ClickHouseDestinationLayout.ofDatabase("ferry", "Replicated").engine("MergeTree", "", null))
                .isEqualTo("ReplicatedMergeTree()");
    }

    @Test
    void contradictoryOptionsAreProblemsBeforeAnyServerIsAsked() {
        assertThat(ClickHouseDestinationCheck.optionProblems(layout(Map.of("distributed_table", true,
                "insert_quorum", 2), null))).containsExactly(
                "destination.distributed_table: needs destination.cluster (the cluster whose shards the Distributed"
                        + " table spans)",
                "destination.insert_quorum: applies to replicated tables only, and shop gets ReplacingMergeTree tables"
                        + " (set destination.cluster or table_engine: replicated_replacing_merge_tree)");
        assertThat(ClickHouseDestinationCheck.optionProblems(layout(Map.of("table_engine",
                "replicated_replacing_merge_tree"), null))).containsExactly(
                "destination.zookeeper_path: /clickhouse/tables/{uuid}/{shard} contains {uuid}, which ClickHouse expands"
                        + " only ON CLUSTER or in a Replicated database: set destination.cluster, or a path with {table}"
                        + " instead, e.g. /clickhouse/tables/{shard}/{database}/{table}");
        for (ClickHouseDestinationLayout layout : ALL.values()) {
            assertThat(ClickHouseDestinationCheck.optionProblems(layout)).as(layout.toString()).isEmpty();
        }
    }

    @Test
    void explainsClusterErrors() {
        assertThat(ClickHouseDestinationCheck.explain(new IllegalStateException(
                "Code: 242. DB::Exception: Table is in readonly mode (replica path: /x/replicas/r1). (TABLE_IS_READ_ONLY)")))
                .isEqualTo("Code: 242. DB::Exception: Table is in readonly mode (replica path: /x/replicas/r1)."
                        + " (TABLE_IS_READ_ONLY) -- the table is a read-only replica: its server has no working"
                        + " ZooKeeper/Keeper session for it (system.replicas: is_readonly, zookeeper_exception); inserts"
                        + " succeed again once it has one");
        assertThat(ClickHouseDestinationCheck.explain(new IllegalStateException("Code: 60. DB::Exception: nope")))
                .isEqualTo("Code: 60. DB::Exception: nope");
    }
}
