package dev.ferry.operators.clickhouse;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.ServerException;
import com.clickhouse.client.api.query.GenericRecord;
import dev.ferry.operators.PipeSetupException;
import dev.ferry.state.spec.DestinationOptions;
import dev.ferry.state.spec.OptionValues;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What would stop Ferry's DDL or inserts on a destination with a cluster layout, found before anything
 * is created, each problem one line naming the option to change: an unknown cluster, no ZooKeeper/Keeper
 * configured, a macro the server does not define, options that contradict each other; and after the
 * tables exist, replicas that are read-only. {@link #explain} adds the same advice to the server's own
 * error when one of these still happens (on another host of the cluster, say).
 */
public final class ClickHouseDestinationCheck {
    static final int BAD_ARGUMENTS = 36;
    static final int UNKNOWN_TABLE = 60;
    static final int NO_ELEMENTS_IN_CONFIG = 139;
    static final int NO_ZOOKEEPER = 225;
    static final int TABLE_IS_READ_ONLY = 242;
    static final int REPLICA_ALREADY_EXISTS = 253;
    static final int QUERY_IS_PROHIBITED = 392;
    static final int CLUSTER_DOESNT_EXIST = 701;

    /** Expanded by the server from the table itself, not from its macros. */
    private static final Set<String> TABLE_MACROS = Set.of("uuid", "database", "table");
    private static final Pattern MACRO = Pattern.compile("\\{([A-Za-z0-9_]+)}");
    private static final Pattern CODE = Pattern.compile("Code: (\\d+)\\.");
    /** How long freshly created replicated tables get to leave read-only mode before that is a problem. */
    private static final long READ_ONLY_GRACE_MILLIS = 3_000;

    private ClickHouseDestinationCheck() {}

    /** Every problem of this destination's cluster options, before anything is created; empty when none. */
    public static List<String> problems(Client client, OptionValues destination) {
        return problems(client, ClickHouseDestinationLayout.detect(client, destination),
                "clickhouse " + destination.get(DestinationOptions.URL));
    }

    /** @param where the server, for messages (e.g. {@code clickhouse http://host:8123}) */
    public static List<String> problems(Client client, ClickHouseDestinationLayout layout, String where) {
        List<String> problems = new ArrayList<>(optionProblems(layout));
        Map<String, String> macros = macros(client);
        Set<String> clusters = new LinkedHashSet<>();
        if (layout.ddlCluster() != null) {
            clusters.add(layout.ddlCluster());
        }
        if (layout.distributed() && layout.distributedCluster() != null) {
            clusters.add(layout.distributedCluster());
        }
        for (String cluster : clusters) {
            String name = expand(cluster, macros);
            if (name == null) {
                problems.add("destination.cluster: " + cluster + " is a macro " + where + " does not define"
                        + " (system.macros has: " + names(macros.keySet()) + ")");
            } else if (!clusterNames(client).contains(name)) {
                problems.add("destination.cluster: cluster '" + name + "' is not defined on " + where
                        + " (system.clusters has: " + names(clusterNames(client)) + ")");
            }
        }
        if (layout.replicated() && !layout.replicatedDatabase()) {
            for (var option : List.of(DestinationOptions.ZOOKEEPER_PATH, DestinationOptions.REPLICA_NAME)) {
                String template = option == DestinationOptions.ZOOKEEPER_PATH ? layout.zookeeperPath() : layout.replicaName();
                for (String macro : macrosIn(template)) {
                    if (!TABLE_MACROS.contains(macro) && !macros.containsKey(macro)) {
                        problems.add("destination." + option.key() + ": macro {" + macro + "} is not defined on " + where
                                + " (system.macros has: " + names(macros.keySet()) + "); define it in the server's"
                                + " <macros> or change the option");
                    }
                }
            }
        }
        if ((layout.replicated() && !layout.replicatedDatabase()) || layout.ddlCluster() != null) {
            if (keeperConfigured(client).filter(configured -> !configured).isPresent()) {
                problems.add(where + " has no ZooKeeper/Keeper configured, which "
                        + (layout.replicated() ? "replicated tables" : "ON CLUSTER DDL") + " need (replicated tables"
                        + " would be read-only): configure <zookeeper> on the servers, or set destination.table_engine:"
                        + " replacing_merge_tree without destination.cluster");
            }
        }
        return problems;
    }

    /** Contradictions between the options and the database's engine; they need no server. */
    static List<String> optionProblems(ClickHouseDestinationLayout layout) {
        List<String> problems = new ArrayList<>();
        if (layout.distributed() && layout.distributedCluster() == null) {
            problems.add("destination.distributed_table: needs destination.cluster (the cluster whose shards the"
                    + " Distributed table spans)");
        }
        if (layout.replicated() && !layout.replicatedDatabase() && layout.ddlCluster() == null && layout.pathHasUuid()) {
            problems.add("destination.zookeeper_path: " + layout.zookeeperPath() + " contains {uuid}, which ClickHouse"
                    + " expands only ON CLUSTER or in a Replicated database: set destination.cluster, or a path with"
                    + " {table} instead, e.g. /clickhouse/tables/{shard}/{database}/{table}");
        }
        if (!layout.replicated() && (layout.insertQuorum() != null || layout.insertQuorumTimeout() != null)) {
            problems.add("destination.insert_quorum: applies to replicated tables only, and " + layout.database()
                    + " gets ReplacingMergeTree tables (set destination.cluster or table_engine:"
                    + " replicated_replacing_merge_tree)");
        }
        return problems;
    }

    /**
     * Tables of {@code tables} that are read-only replicas (after a short grace for ones just created),
     * one problem each. A read-only replica refuses inserts until its server has a ZooKeeper/Keeper
     * session for it.
     */
    public static List<String> readOnlyReplicas(Client client, ClickHouseDestinationLayout layout,
            Collection<String> tables, String where) {
        if (!layout.replicated() || tables.isEmpty()) {
            return List.of();
        }
        long deadline = System.currentTimeMillis() + READ_ONLY_GRACE_MILLIS;
        while (true) {
            List<String> problems = new ArrayList<>();
            for (GenericRecord r : client.queryAll("SELECT table, replica_path, zookeeper_exception FROM system.replicas"
                    + " WHERE database = {db:String} AND has({tables:Array(String)}, table) AND is_readonly ORDER BY table",
                    Map.of("db", layout.database(), "tables", List.copyOf(tables)))) {
                String exception = r.getString(3);
                problems.add(layout.database() + "." + r.getString(1) + " is a read-only replica on " + where
                        + " (replica " + r.getString(2) + "): the server has no working ZooKeeper/Keeper session for it"
                        + (exception.isBlank() ? "" : " (" + exception.lines().findFirst().orElse("").trim() + ")")
                        + "; see system.replicas");
            }
            if (problems.isEmpty() || System.currentTimeMillis() >= deadline) {
                return problems;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return problems;
            }
        }
    }

    /**
     * The server's error, one line, with what to do about it when it is one of the cluster problems
     * above (e.g. a macro missing on another host of the cluster, or Keeper lost while writing).
     */
    public static String explain(Throwable error) {
        String message = PipeSetupException.firstLine(error);
        String hint = hint(code(error), message);
        return hint == null ? message : message + " -- " + hint;
    }

    private static String hint(int code, String message) {
        String lower = message.toLowerCase(Locale.ROOT);
        return switch (code) {
            case NO_ZOOKEEPER -> "the server has no ZooKeeper/Keeper configured, which replicated tables and ON CLUSTER"
                    + " need: configure <zookeeper>, or set destination.table_engine: replacing_merge_tree without"
                    + " destination.cluster";
            case TABLE_IS_READ_ONLY -> "the table is a read-only replica: its server has no working ZooKeeper/Keeper"
                    + " session for it (system.replicas: is_readonly, zookeeper_exception); inserts succeed again once"
                    + " it has one";
            case CLUSTER_DOESNT_EXIST -> "destination.cluster must name a cluster of the server's remote_servers"
                    + " (system.clusters)";
            case QUERY_IS_PROHIBITED -> lower.contains("ddl")
                    ? "ON CLUSTER needs distributed DDL on the server (<distributed_ddl> and ZooKeeper/Keeper)" : null;
            case NO_ELEMENTS_IN_CONFIG -> lower.contains("macro")
                    ? "define the macro in <macros> on every server, or change destination.zookeeper_path/replica_name"
                    : lower.contains("interserver")
                            ? "the server has no interserver_http_port, so it cannot run replicated tables"
                            : lower.contains("zookeeper") ? "configure <zookeeper> on the server" : null;
            case REPLICA_ALREADY_EXISTS -> "another table holds this ZooKeeper path: a zookeeper_path without {uuid}"
                    + " is unique only by {database}/{table}, and a table dropped without SYNC keeps its path for a while";
            case BAD_ARGUMENTS -> lower.contains("macro 'uuid'")
                    ? "{uuid} in destination.zookeeper_path needs destination.cluster or a Replicated database" : null;
            default -> null;
        };
    }

    /** The ClickHouse error code of a failure (its root cause's), or -1. */
    static int code(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ServerException se) {
                return se.getCode();
            }
        }
        Matcher m = CODE.matcher(String.valueOf(ClickHouseConnections.rootCause(error).getMessage()));
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    /**
     * Whether the server has ZooKeeper/Keeper configured, if it can tell: {@code system.zookeeper_connection}
     * (servers since 23.x), else {@code system.zookeeper}; neither exists in clickhouse-local (chDB).
     */
    static Optional<Boolean> keeperConfigured(Client client) {
        try {
            return Optional.of(client.queryAll("SELECT count() FROM system.zookeeper_connection").get(0).getLong(1) > 0);
        } catch (RuntimeException e) {
            if (code(e) != UNKNOWN_TABLE) {
                return noKeeper(e);
            }
        }
        try {
            client.queryAll("SELECT count() FROM system.zookeeper WHERE path = '/'");
            return Optional.of(true);
        } catch (RuntimeException e) {
            return code(e) == UNKNOWN_TABLE ? Optional.empty() : noKeeper(e);
        }
    }

    private static Optional<Boolean> noKeeper(RuntimeException e) {
        int code = code(e);
        return code == NO_ZOOKEEPER || code == NO_ELEMENTS_IN_CONFIG ? Optional.of(false) : Optional.empty();
    }

    static Map<String, String> macros(Client client) {
        Map<String, String> macros = new LinkedHashMap<>();
        for (GenericRecord r : client.queryAll("SELECT macro, substitution FROM system.macros ORDER BY macro")) {
            macros.put(r.getString(1), r.getString(2));
        }
        return macros;
    }

    private static List<String> clusterNames(Client client) {
        return client.queryAll("SELECT DISTINCT cluster FROM system.clusters ORDER BY cluster").stream()
                .map(r -> r.getString(1)).toList();
    }

    static List<String> macrosIn(String template) {
        List<String> out = new ArrayList<>();
        Matcher m = MACRO.matcher(template);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    /** A cluster name with its macro expanded, or null when the macro is undefined. */
    private static String expand(String cluster, Map<String, String> macros) {
        List<String> used = macrosIn(cluster);
        return used.isEmpty() ? cluster : macros.get(used.get(0));
    }

    private static String names(Collection<String> names) {
        return names.isEmpty() ? "none" : String.join(", ", names);
    }
}
