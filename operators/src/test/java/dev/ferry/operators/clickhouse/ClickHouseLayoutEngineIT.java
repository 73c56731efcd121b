package dev.ferry.operators.clickhouse;

import static dev.ferry.operators.clickhouse.ClickHouseDestinationLayoutTest.ORDERS;
import static dev.ferry.operators.clickhouse.ClickHouseDestinationLayoutTest.ORDERS_WITH_TOTAL;
import static dev.ferry.operators.clickhouse.ClickHouseDestinationLayoutTest.layout;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.testing.ClickHouseTestDatabase;
import dev.ferry.testing.LocalServers;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The layouts' statements against the real engine of the shared local ClickHouse (no ZooKeeper, no
 * clusters, no macros): every statement of every layout is parsed by the engine's own parser, the plain
 * layout runs end to end, and the cluster layouts fail the way this server must make them fail.
 */
class ClickHouseLayoutEngineIT {
    private static ClickHouseTestDatabase ch;
    private static String where;

    @BeforeAll
    static void database() {
        ch = new ClickHouseTestDatabase("layout");
        where = "clickhouse " + LocalServers.clickhouseUrl();
    }

    @AfterAll
    static void drop() {
        ch.close();
    }

    static Stream<Arguments> statements() {
        List<Arguments> out = new ArrayList<>();
        ClickHouseDestinationLayoutTest.ALL.forEach((name, layout) -> {
            List<String> all = new ArrayList<>();
            all.add(ClickHouseTableDdl.createDatabase(layout));
            all.addAll(ClickHouseTableDdl.createTable(layout, ORDERS));
            all.addAll(ClickHouseTableDdl.createTable(layout, "orders_resync", ORDERS, dev.ferry.state.spec.DestinationTable.DEFAULT, "ferry resync copy, generation 2",
                    "0a1b2c3d"));
            all.addAll(ClickHouseTableDdl.addColumns(layout, ORDERS, ORDERS_WITH_TOTAL));
            all.add(ClickHouseTableDdl.exchangeTables(layout, "orders", "orders_resync"));
            all.addAll(ClickHouseTableDdl.dropTable(layout, "orders_resync"));
            if (layout.distributed()) {
                all.add(ClickHouseTableDdl.replaceDistributed(layout, "orders", "shop, id"));
            }
            for (String sql : all) {
                out.add(Arguments.of(name, sql));
            }
        });
        return out.stream();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("statements")
    void theEngineParsesEveryStatement(String layout, String sql) {
        // formatQuery runs ClickHouse's parser on the text and prints it back; a syntax error throws.
        String formatted = ch.client().queryAll("SELECT formatQuery({q:String})", Map.of("q", sql)).get(0).getString(1);
        assertThat(formatted).startsWith(sql.substring(0, sql.indexOf(' ', 7)));
        if (sql.contains("ON CLUSTER")) {
            assertThat(formatted).contains("ON CLUSTER");
        }
    }

    @Test
    void plainLayoutRunsOnTheEngine() {
        ClickHouseDestinationLayout plain = layout(Map.of("database", ch.name()), null);
        assertThat(ClickHouseDestinationCheck.problems(ch.client(), plain, where)).isEmpty();
        ch.execute(ClickHouseTableDdl.createDatabase(plain));
        ClickHouseTableDdl.createTable(plain, ORDERS).forEach(ch::execute);
        ClickHouseTableDdl.addColumns(plain, ORDERS, ORDERS_WITH_TOTAL).forEach(ch::execute);
        assertThat(ch.query("SELECT engine_full FROM system.tables WHERE database = '" + ch.name() + "' AND name = 'orders'")
                .get(0).getString(1)).startsWith("ReplacingMergeTree(_version, _is_deleted) ORDER BY (shop, id)")
                .contains("non_replicated_deduplication_window = 1000");
        ch.execute("INSERT INTO " + ClickHouseSql.qualified(ch.name(), "orders") + " (id, shop, _version, _is_deleted)"
                + " VALUES (1, 1, 1, 0)");
        ClickHouseResync.createCopy(ch.client(), plain, ORDERS_WITH_TOTAL, dev.ferry.state.spec.DestinationTable.DEFAULT, 2);
        ch.execute("INSERT INTO " + ClickHouseSql.qualified(ch.name(), "orders_resync")
                + " (id, shop, total, _version, _is_deleted) VALUES (2, 1, 9.5, 1, 0)");
        ClickHouseResync.swapIn(ch.client(), plain, "orders", 2);
        ClickHouseResync.swapIn(ch.client(), plain, "orders", 2); // repeated after a failure: a no-op
        // the copy's row, and its column
        assertThat(ch.count("SELECT sum(id * 100 + toInt64(total)) FROM " + ClickHouseSql.qualified(ch.name(), "orders")))
                .isEqualTo(209);
        assertThat(ch.count("SELECT count() FROM system.tables WHERE database = '" + ch.name() + "'")).isEqualTo(1);
        ClickHouseTableDdl.dropTable(plain, "orders").forEach(ch::execute);
        assertThat(ch.count("SELECT count() FROM system.tables WHERE database = '" + ch.name() + "'")).isZero();
    }

    @Test
    void unknownClusterAndMissingMacrosAreReportedBeforeAnythingIsCreated() {
        ClickHouseDestinationLayout cluster = layout(Map.of("database", ch.name(), "cluster", "ferry",
                "distributed_table", true), null);
        assertThat(ClickHouseDestinationCheck.problems(ch.client(), cluster, where)).containsExactly(
                "destination.cluster: cluster 'ferry' is not defined on " + where + " (system.clusters has: none)",
                "destination.zookeeper_path: macro {shard} is not defined on " + where + " (system.macros has: none);"
                        + " define it in the server's <macros> or change the option",
                "destination.replica_name: macro {replica} is not defined on " + where + " (system.macros has: none);"
                        + " define it in the server's <macros> or change the option");
        // ... and run anyway, ClickHouse's own error, with the same advice
        assertThatThrownBy(() -> ClickHouseConnections.execute(ch.client(), ClickHouseTableDdl.createDatabase(cluster)))
                .hasMessageStartingWith("Code: 701. DB::Exception: Requested cluster 'ferry' not found. (CLUSTER_DOESNT_EXIST)")
                .hasMessageEndingWith(" -- destination.cluster must name a cluster of the server's remote_servers"
                        + " (system.clusters)");
    }

    @Test
    void aReplicatedTableOnAServerWithoutKeeperFailsWithTheEnginesErrorAndAdvice() {
        ClickHouseDestinationLayout replicated = layout(Map.of("database", ch.name(),
                "table_engine", "replicated_replacing_merge_tree", "zookeeper_path", "/clickhouse/tables/{database}/{table}",
                "replica_name", "r1"), null);
        // clickhouse-local has neither system.zookeeper_connection nor system.zookeeper: the check cannot tell
        assertThat(ClickHouseDestinationCheck.keeperConfigured(ch.client())).isEmpty();
        assertThat(ClickHouseDestinationCheck.problems(ch.client(), replicated, where)).isEmpty();
        ch.execute(ClickHouseTableDdl.createDatabase(replicated));
        assertThatThrownBy(() -> ClickHouseConnections.execute(ch.client(),
                ClickHouseTableDdl.createTable(replicated, ORDERS).get(0)))
                .hasMessageStartingWith("Code: 225. DB::Exception: Can't create replicated table without ZooKeeper."
                        + " (NO_ZOOKEEPER)")
                .hasMessageEndingWith(" -- the server has no ZooKeeper/Keeper configured, which replicated tables and"
                        + " ON CLUSTER need: configure <zookeeper>, or set destination.table_engine: replacing_merge_tree"
                        + " without destination.cluster");
        // The default path's macros are undefined here: ClickHouse names the first one.
        ClickHouseDestinationLayout defaults = layout(Map.of("database", ch.name(), "cluster", "ferry"), null);
        String perHost = ClickHouseTableDdl.createTable(defaults, ORDERS).get(0).replace(" ON CLUSTER `ferry`", "")
                .replace("CREATE TABLE IF NOT EXISTS `" + ch.name() + "`.`orders`",
                        "CREATE TABLE `" + ch.name() + "`.`orders` UUID '11111111-2222-3333-4444-555555555555'");
        assertThatThrownBy(() -> ClickHouseConnections.execute(ch.client(), perHost))
                .hasMessageStartingWith("Code: 139. DB::Exception: No macro 'shard' in config")
                .hasMessageEndingWith(" -- define the macro in <macros> on every server, or change"
                        + " destination.zookeeper_path/replica_name");
    }
}
