package dev.ferry.operators.clickhouse;

import static dev.ferry.operators.clickhouse.ClickHouseSql.qualified;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.GenericRecord;
import dev.ferry.state.lifecycle.PipeState;
import dev.ferry.state.lifecycle.TableProgress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Ferry's status tables in ClickHouse, read by {@code ferry status} and by SQL users:
 * {@code pipe_states} has a row per state change; {@code table_progress} the latest durable progress
 * per table (ReplacingMergeTree on {@code updated_at}); {@code truncations} a row per TRUNCATE
 * replicated, which initial-load writers consult (see {@link ClickHouseWriter}).
 */
public final class ClickHouseStatusTables {
    public static final String PIPE_STATES = "pipe_states";
    public static final String TABLE_PROGRESS = "table_progress";
    public static final String TRUNCATIONS = "truncations";

    private final Client client;
    private final String database;
    private boolean truncationsExist;

    public ClickHouseStatusTables(Client client, String database) {
        this.client = client;
        this.database = database;
    }

    /**
     * Creates the status database and tables if missing. They live on the server {@code url} names
     * ({@code MergeTree}, plain DDL), not ON CLUSTER: in a status database whose engine is Replicated
     * they are Replicated*MergeTree, so every replica has the same status.
     */
    public void create() {
        ClickHouseConnections.execute(client, ClickHouseTableDdl.createDatabase(database));
        ClickHouseDestinationLayout layout = ClickHouseDestinationLayout.detect(client, database);
        ClickHouseConnections.execute(client, "CREATE TABLE IF NOT EXISTS " + qualified(database, PIPE_STATES) + """
                 (
                  pipe String,
                  state LowCardinality(String),
                  previous LowCardinality(String),
                  reason String,
                  at DateTime64(3, 'UTC')
                ) ENGINE =\s""" + layout.engine("MergeTree", "", null) + " ORDER BY (pipe, at)");
        ClickHouseConnections.execute(client, "CREATE TABLE IF NOT EXISTS " + qualified(database, TABLE_PROGRESS) + """
                 (
                  pipe String,
                  source_table String,
                  partitions_done UInt32,
                  partitions_total UInt32,
                  rows_snapshotted UInt64,
                  inserts UInt64,
                  updates UInt64,
                  deletes UInt64,
                  batches UInt64,
                  max_version UInt64,
                  updated_at DateTime64(3, 'UTC')
                ) ENGINE =\s""" + layout.engine("ReplacingMergeTree", "updated_at", null)
                + " ORDER BY (pipe, source_table)");
        ClickHouseConnections.execute(client, "CREATE TABLE IF NOT EXISTS " + qualified(database, TRUNCATIONS) + """
                 (
                  pipe String,
                  source_table String,
                  commit_position UInt64,
                  at DateTime64(3, 'UTC')
                ) ENGINE =\s""" + layout.engine("MergeTree", "", null) + " ORDER BY (pipe, source_table)");
    }

    /** A TRUNCATE of {@code table}, committed at {@code commitPosition}, is being replicated. */
    public void recordTruncation(String pipe, String table, long commitPosition) {
        create();
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("pipe", pipe);
        p.put("table", table);
        p.put("position", commitPosition);
        p.put("at", Instant.now().toEpochMilli());
        run("INSERT INTO " + qualified(database, TRUNCATIONS) + " SELECT {pipe:String}, {table:String},"
                + " {position:UInt64}, fromUnixTimestamp64Milli({at:Int64}, 'UTC')", p);
    }

    /** The commit position of the latest TRUNCATE of {@code table} replicated; 0 if none. */
    public long lastTruncation(String pipe, String table) {
        if (!truncationsExist) {
            // Pipes set up before Ferry replicated TRUNCATE have no such table until one is recorded.
            truncationsExist = !client.queryAll("EXISTS TABLE " + qualified(database, TRUNCATIONS)).get(0).getString(1)
                    .equals("0");
            if (!truncationsExist) {
                return 0;
            }
        }
        List<GenericRecord> rows = client.queryAll("SELECT max(commit_position) FROM " + qualified(database, TRUNCATIONS)
                + " WHERE pipe = {pipe:String} AND source_table = {table:String}", Map.of("pipe", pipe, "table", table));
        return rows.isEmpty() ? 0 : rows.get(0).getLong(1);
    }

    /** Removes every row of the pipe: a pipe created under the name of a deleted one starts with no history or progress. */
    public void forget(String pipe) {
        create();
        for (String table : List.of(PIPE_STATES, TABLE_PROGRESS, TRUNCATIONS)) {
            run("DELETE FROM " + qualified(database, table) + " WHERE pipe = {pipe:String}", Map.of("pipe", pipe));
        }
    }

    public void recordState(String pipe, PipeState previous, PipeState state, String reason) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("pipe", pipe);
        p.put("state", state.label());
        p.put("previous", previous == null ? "" : previous.label());
        p.put("reason", reason == null ? "" : reason);
        p.put("at", Instant.now().toEpochMilli());
        run("INSERT INTO " + qualified(database, PIPE_STATES)
                + " SELECT {pipe:String}, {state:String}, {previous:String}, {reason:String},"
                + " fromUnixTimestamp64Milli({at:Int64}, 'UTC')", p);
    }

    public void recordProgress(String pipe, List<TableProgress> tables) {
        long at = Instant.now().toEpochMilli();
        for (TableProgress t : tables) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("pipe", pipe);
            p.put("table", t.table());
            p.put("done", t.unitsDone().size());
            p.put("total", t.unitsTotal());
            p.put("snap", t.snapshotRows());
            p.put("ins", t.inserts());
            p.put("upd", t.updates());
            p.put("del", t.deletes());
            p.put("batches", t.batches());
            p.put("maxv", Long.toUnsignedString(t.maxVersion()));
            p.put("at", at);
            run("INSERT INTO " + qualified(database, TABLE_PROGRESS)
                    + " SELECT {pipe:String}, {table:String}, {done:UInt32}, {total:UInt32}, {snap:UInt64},"
                    + " {ins:UInt64}, {upd:UInt64}, {del:UInt64}, {batches:UInt64}, {maxv:UInt64},"
                    + " fromUnixTimestamp64Milli({at:Int64}, 'UTC')", p);
        }
    }

    /** A pipe's state changes, oldest first. */
    public List<StateChange> history(String pipe) {
        List<StateChange> out = new ArrayList<>();
        for (GenericRecord r : client.queryAll("SELECT state, previous, reason, toUnixTimestamp64Milli(at) FROM "
                + qualified(database, PIPE_STATES) + " WHERE pipe = {pipe:String} ORDER BY at", Map.of("pipe", pipe))) {
            out.add(new StateChange(PipeState.fromLabel(r.getString(1)), r.getString(2), r.getString(3),
                    Instant.ofEpochMilli(r.getLong(4))));
        }
        return out;
    }

    /** The state a Paused pipe was in when it was paused (what resuming returns it to). */
    public PipeState pausedFrom(String pipe) {
        List<StateChange> changes = history(pipe);
        for (int i = changes.size() - 1; i >= 0; i--) {
            if (changes.get(i).state() == PipeState.PAUSING) {
                return PipeState.fromLabel(changes.get(i).previous());
            }
        }
        return PipeState.RUNNING;
    }

    /** The pipe's latest recorded state, if any. */
    public java.util.Optional<PipeState> lastState(String pipe) {
        List<GenericRecord> rows = client.queryAll("SELECT state FROM " + qualified(database, PIPE_STATES)
                + " WHERE pipe = {pipe:String} ORDER BY at DESC LIMIT 1", Map.of("pipe", pipe));
        return rows.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(PipeState.fromLabel(rows.get(0).getString(1)));
    }

    /** The latest progress row per table of a pipe. */
    public List<TableProgressRow> progress(String pipe) {
        List<TableProgressRow> out = new ArrayList<>();
        for (GenericRecord r : client.queryAll("SELECT source_table, partitions_done, partitions_total, rows_snapshotted,"
                + " inserts, updates, deletes, toUnixTimestamp64Milli(updated_at) FROM "
                + qualified(database, TABLE_PROGRESS) + " FINAL WHERE pipe = {pipe:String} ORDER BY source_table",
                Map.of("pipe", pipe))) {
            out.add(new TableProgressRow(r.getString(1), r.getLong(2), r.getLong(3), r.getLong(4), r.getLong(5),
                    r.getLong(6), r.getLong(7), Instant.ofEpochMilli(r.getLong(8))));
        }
        return out;
    }

    public record StateChange(PipeState state, String previous, String reason, Instant at) {}

    public record TableProgressRow(String table, long partitionsDone, long partitionsTotal, long rowsSnapshotted,
            long inserts, long updates, long deletes, Instant updatedAt) {}

    private void run(String sql, Map<String, Object> params) {
        try {
            client.query(sql, params).get(60, TimeUnit.SECONDS).close();
        } catch (Exception e) {
            throw new IllegalStateException("writing Ferry's status to ClickHouse failed: "
                    + ClickHouseConnections.rootCause(e).getMessage(), e);
        }
    }
}
