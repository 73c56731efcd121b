package dev.ferry.state.spec;

import java.util.List;

/** Options of the {@code destination:} section (a ClickHouse server reached over HTTP). */
public final class DestinationOptions {
    private DestinationOptions() {}

    public static final PipeOption<String> URL = PipeOption.patternOption(
            "url", null, "https?://[^\\s/]+(:\\d+)?/?", "an http(s)://host:port URL", "ClickHouse HTTP endpoint.");
    public static final PipeOption<String> DATABASE = PipeOption.patternOption(
            "database", null, "[A-Za-z_][A-Za-z0-9_]{0,127}", "a ClickHouse identifier", "Destination database.");
    public static final PipeOption<String> USER =
            PipeOption.stringOption("user", "default", "ClickHouse user.");
    public static final PipeOption<String> PASSWORD =
            PipeOption.stringOption("password", "", "ClickHouse password; use ${ENV_VAR} to keep it out of the file.")
                    .asSecret();

    public static final PipeOption<String> STATUS_DATABASE = PipeOption.patternOption(
            "status_database", "ferry", "[A-Za-z_][A-Za-z0-9_]{0,127}", "a ClickHouse identifier",
            "Database of Ferry's status tables (pipe state history, table progress).");

    /** ClickHouse type of a MongoDB pipe's {@code doc} column. */
    public enum DocColumnType {
        /** JSON where the server has what Ferry inserts it with (see ClickHouseTypes.jsonObjectSettings), else STRING. */
        AUTO,
        /** ClickHouse's JSON type: every path a typed subcolumn; key order and nulls are not kept. */
        JSON,
        /** The document's Extended JSON text, exactly as Ferry renders it. */
        STRING
    }

    public static final PipeOption<DocColumnType> DOC_COLUMN_TYPE = PipeOption.enumOption(
            "doc_column_type", DocColumnType.AUTO, DocColumnType.class,
            "MongoDB pipes: ClickHouse type of the doc column: json, string, or auto (json where the server"
                    + " supports it); an existing table keeps its type.");

    // ClickHouse clusters: see ClickHouseDestinationLayout (operators) for what each combination issues.

    public static final PipeOption<String> CLUSTER = PipeOption.patternOption(
            "cluster", null, "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|\\{[A-Za-z0-9_]+}",
            "a cluster name from the server's remote_servers, or a macro such as {cluster}",
            "Cluster to create Ferry's tables on: DDL runs ON CLUSTER and tables are replicated (table_engine auto).");

    /** Engine family of the destination tables; both keep the last version of a row (ReplacingMergeTree). */
    public enum TableEngine {
        /** ReplicatedReplacingMergeTree when cluster is set or the database's engine is Replicated, else ReplacingMergeTree. */
        AUTO,
        REPLACING_MERGE_TREE,
        REPLICATED_REPLACING_MERGE_TREE
    }

    public static final PipeOption<TableEngine> TABLE_ENGINE = PipeOption.enumOption(
            "table_engine", TableEngine.AUTO, TableEngine.class,
            "auto (replicated on a cluster or in a Replicated database), replacing_merge_tree or"
                    + " replicated_replacing_merge_tree.");
    public static final PipeOption<String> ZOOKEEPER_PATH = PipeOption.patternOption(
            "zookeeper_path", "/clickhouse/tables/{uuid}/{shard}",
            "(?=.*\\{(uuid|table)})([A-Za-z0-9_-]+:)?/[^'\\\\\\s]*",
            "a ZooKeeper path starting with / (optionally auxiliary_keeper:/...) containing {uuid} or {table}, so that"
                    + " every table gets its own, without quotes or spaces",
            "Replicated tables' path in ZooKeeper/Keeper; macros are expanded by the server.");
    public static final PipeOption<String> REPLICA_NAME = PipeOption.patternOption(
            "replica_name", "{replica}", "[^'\\\\\\s]{1,200}", "a replica name or macro, without quotes or spaces",
            "Replicated tables' replica name; macros are expanded by the server.");
    public static final PipeOption<Boolean> DISTRIBUTED_TABLE = PipeOption.boolOption(
            "distributed_table", false,
            "Also create <table>_distributed (engine Distributed over the cluster's shards) and write through it.");
    public static final PipeOption<String> SHARDING_KEY = PipeOption.patternOption(
            "sharding_key", null, "[^;]{1,500}", "a ClickHouse expression (no ;)",
            "Sharding key of the Distributed tables; default cityHash64 of the key columns. Use key columns only:"
                    + " every version of a row must land on the same shard.");
    public static final PipeOption<String> INSERT_QUORUM = PipeOption.patternOption(
            "insert_quorum", null, "auto|[0-9]{1,2}", "a number of replicas or auto",
            "Replicated tables: replicas that must have a batch before the insert succeeds (ClickHouse insert_quorum).");
    public static final PipeOption<Long> INSERT_QUORUM_TIMEOUT = PipeOption.longOption(
            "insert_quorum_timeout", null, 1, 86_400_000,
            "Replicated tables: milliseconds to wait for the quorum (ClickHouse insert_quorum_timeout).");

    public static final List<PipeOption<?>> ALL = List.of(URL, DATABASE, USER, PASSWORD, STATUS_DATABASE,
            DOC_COLUMN_TYPE, CLUSTER, TABLE_ENGINE, ZOOKEEPER_PATH, REPLICA_NAME, DISTRIBUTED_TABLE, SHARDING_KEY,
            INSERT_QUORUM, INSERT_QUORUM_TIMEOUT);
}
