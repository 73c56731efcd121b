package dev.ferry.operators.clickhouse;

import static dev.ferry.operators.clickhouse.ClickHouseSql.quoteIdent;
import static dev.ferry.operators.clickhouse.ClickHouseSql.quoteLiteral;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.GenericRecord;
import dev.ferry.state.spec.DestinationOptions;
import dev.ferry.state.spec.DestinationOptions.TableEngine;
import dev.ferry.state.spec.OptionValues;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How Ferry's tables sit on one destination: which engine (ReplacingMergeTree or its Replicated
 * variant, with which ZooKeeper path and replica name), whether DDL runs {@code ON CLUSTER}, whether
 * the database replicates DDL itself (engine {@code Replicated}), and whether rows go through a
 * {@code Distributed} table. Decided once per destination from the pipe's options and the database's
 * engine in {@code system.databases}; {@link ClickHouseTableDdl} writes the statements.
 *
 * <ul>
 *   <li>plain: {@code ReplacingMergeTree}, plain DDL;
 *   <li>{@code cluster} set: DDL {@code ON CLUSTER}, {@code ReplicatedReplacingMergeTree(path, replica, ...)}
 *       unless {@code table_engine: replacing_merge_tree} (shards without replicas);
 *   <li>a {@code Replicated} database: plain DDL and {@code ReplicatedReplacingMergeTree} without path
 *       and replica (the database fills them in and runs the DDL on every replica, which is what its
 *       documentation asks; {@code ON CLUSTER} is not allowed there);
 *   <li>{@code table_engine: replicated_replacing_merge_tree} without a cluster: replicated tables on the
 *       server {@code url} names, plain DDL (other replicas are the operator's to create).
 * </ul>
 */
public final class ClickHouseDestinationLayout implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Ferry's Distributed table next to each table {@code t}: {@code t_distributed}. */
    static final String DISTRIBUTED_SUFFIX = "_distributed";
    static final String UUID_MACRO = "{uuid}";

    private final String database;
    private final String cluster;
    private final boolean replicatedDatabase;
    private final boolean replicated;
    private final String zookeeperPath;
    private final String replicaName;
    private final boolean distributed;
    private final String shardingKey;
    private final String insertQuorum;
    private final Long insertQuorumTimeout;

    private ClickHouseDestinationLayout(OptionValues options, String database, boolean replicatedDatabase) {
        this.database = database;
        this.cluster = options.get(DestinationOptions.CLUSTER);
        this.replicatedDatabase = replicatedDatabase;
        TableEngine engine = options.get(DestinationOptions.TABLE_ENGINE);
        this.replicated = engine == TableEngine.REPLICATED_REPLACING_MERGE_TREE
                || (engine == TableEngine.AUTO && (cluster != null || replicatedDatabase));
        this.zookeeperPath = options.get(DestinationOptions.ZOOKEEPER_PATH);
        this.replicaName = options.get(DestinationOptions.REPLICA_NAME);
        this.distributed = options.get(DestinationOptions.DISTRIBUTED_TABLE);
        this.shardingKey = options.get(DestinationOptions.SHARDING_KEY);
        this.insertQuorum = options.get(DestinationOptions.INSERT_QUORUM);
        this.insertQuorumTimeout = options.get(DestinationOptions.INSERT_QUORUM_TIMEOUT);
    }

    /**
     * The layout for a destination whose database has engine {@code databaseEngine} (null when it does not
     * exist yet: Ferry creates it, as Atomic).
     */
    public static ClickHouseDestinationLayout of(OptionValues destination, String databaseEngine) {
        return new ClickHouseDestinationLayout(destination, destination.get(DestinationOptions.DATABASE),
                "Replicated".equals(databaseEngine));
    }

    /**
     * The layout of a database with every cluster option at its default: plain, or replicated when the
     * database's engine is {@code Replicated} (Ferry's status tables, and callers that know no options).
     */
    public static ClickHouseDestinationLayout ofDatabase(String database, String databaseEngine) {
        return new ClickHouseDestinationLayout(OptionValues.empty(), database, "Replicated".equals(databaseEngine));
    }

    /** {@link #ofDatabase}, reading the database's engine from the server. */
    public static ClickHouseDestinationLayout detect(Client client, String database) {
        return ofDatabase(database, databaseEngine(client, database));
    }

    /** Reads the destination database's engine from the server. */
    public static ClickHouseDestinationLayout detect(Client client, OptionValues destination) {
        return of(destination, databaseEngine(client, destination.get(DestinationOptions.DATABASE)));
    }

    /** The engine of {@code database} ({@code Atomic}, {@code Replicated}, ...), or null when it does not exist. */
    static String databaseEngine(Client client, String database) {
        List<GenericRecord> rows = client.queryAll("SELECT engine FROM system.databases WHERE name = {db:String}",
                Map.of("db", database));
        return rows.isEmpty() ? null : rows.get(0).getString(1);
    }

    public String database() {
        return database;
    }

    /** The cluster DDL runs on, or null when it runs on the server {@code url} names (or its Replicated database). */
    public String ddlCluster() {
        return replicatedDatabase ? null : cluster;
    }

    public boolean replicated() {
        return replicated;
    }

    public boolean replicatedDatabase() {
        return replicatedDatabase;
    }

    public boolean distributed() {
        return distributed;
    }

    /** The cluster a Distributed table spans: the option, else the Replicated database's own cluster. */
    String distributedCluster() {
        return cluster != null ? cluster : replicatedDatabase ? database : null;
    }

    /** Whether a replicated table's path is unique per table through {@code {uuid}}, not through its name. */
    boolean pathHasUuid() {
        return zookeeperPath.contains(UUID_MACRO);
    }

    String zookeeperPath() {
        return zookeeperPath;
    }

    String replicaName() {
        return replicaName;
    }

    String shardingKey() {
        return shardingKey;
    }

    String insertQuorum() {
        return insertQuorum;
    }

    Long insertQuorumTimeout() {
        return insertQuorumTimeout;
    }

    /** {@code " ON CLUSTER `c`"}, or nothing. */
    String onCluster() {
        String c = ddlCluster();
        return c == null ? "" : " ON CLUSTER " + quoteIdent(c);
    }

    /**
     * The engine clause for a MergeTree-family table, e.g. {@code engine("ReplacingMergeTree", "`v`")}:
     * the family itself, or its Replicated variant with this layout's path and replica (none in a
     * Replicated database). {@code pathSuffix}, when not null, makes a path without {@code {uuid}}
     * unique for a table that will be renamed (a resync copy): {@code {table}} is expanded when the
     * table is created and stays with it through EXCHANGE, so a second copy under the same name would
     * find its path taken.
     */
    String engine(String family, String arguments, String pathSuffix) {
        if (!replicated) {
            return family + "(" + arguments + ")";
        }
        StringBuilder args = new StringBuilder();
        if (!replicatedDatabase) {
            String path = zookeeperPath;
            if (pathSuffix != null && !pathHasUuid()) {
                path = path.replace("{table}", "{table}_" + pathSuffix);
            }
            args.append(quoteLiteral(path)).append(", ").append(quoteLiteral(replicaName));
        }
        if (!arguments.isEmpty()) {
            args.append(args.length() == 0 ? "" : ", ").append(arguments);
        }
        return "Replicated" + family + "(" + args + ")";
    }

    /** The table Ferry inserts a target's rows into: itself, or its Distributed table. */
    public String insertTable(String target) {
        return distributed ? distributedName(target) : target;
    }

    static String distributedName(String table) {
        return table + DISTRIBUTED_SUFFIX;
    }

    /**
     * Server settings of every insert, besides the deduplication token: the quorum on replicated tables,
     * and through a Distributed table a synchronous insert into the shards (by default it queues the
     * rows on the initiator and returns before they are anywhere durable).
     */
    public Map<String, String> insertSettings() {
        Map<String, String> settings = new LinkedHashMap<>();
        if (replicated && insertQuorum != null) {
            settings.put("insert_quorum", insertQuorum);
        }
        if (replicated && insertQuorumTimeout != null) {
            settings.put("insert_quorum_timeout", String.valueOf(insertQuorumTimeout));
        }
        if (distributed) {
            settings.put("distributed_foreground_insert", "1");
        }
        return settings;
    }

    /** One line for logs and messages. */
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder(replicated ? "ReplicatedReplacingMergeTree" : "ReplacingMergeTree");
        out.append(" in ").append(replicatedDatabase ? "Replicated database " : "database ").append(database);
        if (ddlCluster() != null) {
            out.append(" ON CLUSTER ").append(ddlCluster());
        }
        if (distributed) {
            out.append(", Distributed over ").append(distributedCluster());
        }
        return out.toString();
    }
}
