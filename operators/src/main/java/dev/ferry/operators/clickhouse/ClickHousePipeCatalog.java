package dev.ferry.operators.clickhouse;

import static dev.ferry.operators.clickhouse.ClickHouseSql.qualified;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.GenericRecord;
import dev.ferry.state.lifecycle.PipeEntry;
import dev.ferry.state.lifecycle.PipeRun;
import dev.ferry.state.spec.PipeSpecDocument;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The pipe catalog: a ClickHouse table ({@code <database>.pipes}) that survives CLI restarts and is
 * shared by everyone operating the same pipes; each change is a new row (ReplacingMergeTree on
 * {@code updated_at}), so it is also a history. The pipes' state history is in their status tables.
 * Like those, it is Replicated in a Replicated database, so every replica has the same catalog.
 */
public final class ClickHousePipeCatalog {
    public static final String PIPES = "pipes";
    /** Who did what to which pipe, and when: a row per action taken through the server. */
    public static final String ACTIONS = "actions";

    /** What the server's watcher saw of each pipe, a row per look, kept for {@link #SAMPLE_DAYS} days. */
    public static final String SAMPLES = "samples";
    static final int SAMPLE_DAYS = 7;

    /** One recorded action. */
    public record Action(String pipe, String who, String action, String outcome, Instant at) {}

    /** One look at a pipe: when, its replication lag (null when unknown or not streaming), the rows written by then. */
    public record Sample(String pipe, Instant at, Double lagSeconds, long rows) {}

    private final Client client;
    private final String database;

    public ClickHousePipeCatalog(Client client, String database) {
        this.client = client;
        this.database = database;
    }

    public Client client() {
        return client;
    }

    public void create() {
        ClickHouseConnections.execute(client, ClickHouseTableDdl.createDatabase(database));
        ClickHouseDestinationLayout layout = ClickHouseDestinationLayout.detect(client, database);
        ClickHouseConnections.execute(client, "CREATE TABLE IF NOT EXISTS " + qualified(database, PIPES) + """
                 (
                  name String,
                  spec String,
                  flink_url String,
                  job_id String,
                  savepoint String,
                  run String,
                  deleted UInt8,
                  updated_at DateTime64(3, 'UTC')
                ) ENGINE =\s""" + layout.engine("ReplacingMergeTree", "updated_at, deleted", null) + " ORDER BY name");
        ClickHouseConnections.execute(client, "CREATE TABLE IF NOT EXISTS " + qualified(database, ACTIONS) + """
                 (
                  pipe String,
                  who String,
                  action String,
                  outcome String,
                  at DateTime64(3, 'UTC')
                ) ENGINE =\s""" + layout.engine("MergeTree", "", null) + " ORDER BY (pipe, at)");
        ClickHouseConnections.execute(client, "CREATE TABLE IF NOT EXISTS " + qualified(database, SAMPLES) + """
                 (
                  pipe String,
                  at DateTime64(3, 'UTC'),
                  lag_seconds Nullable(Float64),
                  rows UInt64
                ) ENGINE =\s""" + layout.engine("MergeTree", "", null) + " ORDER BY (pipe, at)"
                + " TTL toDateTime(at) + INTERVAL " + SAMPLE_DAYS + " DAY");
    }

    /** Records one round of looks, in one insert. */
    public void recordSamples(List<Sample> samples) {
        if (samples.isEmpty()) {
            return;
        }
        StringBuilder rows = new StringBuilder();
        for (Sample x : samples) {
            rows.append(rows.isEmpty() ? "" : ", ").append('(').append(ClickHouseSql.quoteLiteral(x.pipe())).append(", ")
                    .append(x.at().toEpochMilli()).append(", ").append(x.lagSeconds() == null ? "NULL"
                            : Double.isFinite(x.lagSeconds()) ? x.lagSeconds().toString() : "NULL")
                    .append(", ").append(x.rows()).append(')');
        }
        ClickHouseConnections.execute(client, "INSERT INTO " + qualified(database, SAMPLES)
                + " SELECT pipe, fromUnixTimestamp64Milli(at, 'UTC'), lag, rows FROM values("
                + "'pipe String, at Int64, lag Nullable(Float64), rows UInt64', " + rows + ")");
    }

    /** The newest {@code limit} samples of {@code pipe}, oldest first. */
    public List<Sample> samples(String pipe, int limit) {
        List<Sample> out = new ArrayList<>();
        for (GenericRecord r : client.queryAll("SELECT toUnixTimestamp64Milli(at), lag_seconds, rows FROM ("
                + " SELECT at, lag_seconds, rows FROM " + qualified(database, SAMPLES) + " WHERE pipe = {pipe:String}"
                + " ORDER BY at DESC LIMIT {limit:UInt32}) ORDER BY at", Map.of("pipe", pipe, "limit", limit))) {
            out.add(new Sample(pipe, Instant.ofEpochMilli(r.getLong(1)), r.getObject(2) == null ? null : ((Number) r.getObject(2)).doubleValue(),
                    r.getLong(3)));
        }
        return out;
    }

    /** Records that {@code who} did {@code action} to {@code pipe}, with its outcome ("ok" or the error). */
    public void recordAction(String pipe, String who, String action, String outcome) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("pipe", pipe);
        p.put("who", who);
        p.put("action", action);
        p.put("outcome", outcome);
        p.put("at", Instant.now().toEpochMilli());
        try {
            client.query("INSERT INTO " + qualified(database, ACTIONS) + " SELECT {pipe:String}, {who:String},"
                    + " {action:String}, {outcome:String}, fromUnixTimestamp64Milli({at:Int64}, 'UTC')", p)
                    .get(1, TimeUnit.MINUTES).close();
        } catch (Exception ex) {
            throw new IllegalStateException("recording an action in the pipe catalog failed: " + ex.getMessage(), ex);
        }
    }

    /** The actions taken on {@code pipe}, oldest first. */
    public List<Action> actions(String pipe) {
        List<Action> out = new ArrayList<>();
        for (GenericRecord r : client.queryAll("SELECT pipe, who, action, outcome, toUnixTimestamp64Milli(at) FROM "
                + qualified(database, ACTIONS) + " WHERE pipe = {pipe:String} ORDER BY at", Map.of("pipe", pipe))) {
            out.add(new Action(r.getString(1), r.getString(2), r.getString(3), r.getString(4),
                    Instant.ofEpochMilli(r.getLong(5))));
        }
        return out;
    }

    public Optional<PipeEntry> get(String name) {
        List<PipeEntry> found = query(" AND name = {name:String}", Map.of("name", name));
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
    }

    public List<PipeEntry> list() {
        return query("", Map.of());
    }

    public void put(PipeEntry e) {
        write(e, false);
    }

    public void delete(PipeEntry e) {
        write(e, true);
    }

    private List<PipeEntry> query(String where, Map<String, Object> params) {
        List<PipeEntry> out = new ArrayList<>();
        for (GenericRecord r : client.queryAll("SELECT name, spec, flink_url, job_id, savepoint, run FROM "
                + qualified(database, PIPES) + " FINAL WHERE deleted = 0" + where + " ORDER BY name", params)) {
            out.add(new PipeEntry(r.getString(1), new PipeSpecDocument(r.getString(2)), r.getString(3), r.getString(4),
                    r.getString(5), PipeRun.fromJson(r.getString(6))));
        }
        return out;
    }

    private void write(PipeEntry e, boolean deleted) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("name", e.name());
        p.put("spec", e.spec().text());
        p.put("flink", e.flinkUrl());
        p.put("job", e.jobId());
        p.put("savepoint", e.savepoint());
        p.put("run", e.run().toJson());
        p.put("deleted", deleted ? 1 : 0);
        p.put("at", Instant.now().toEpochMilli());
        try {
            client.query("INSERT INTO " + qualified(database, PIPES) + " SELECT {name:String}, {spec:String},"
                    + " {flink:String}, {job:String}, {savepoint:String}, {run:String}, {deleted:UInt8},"
                    + " fromUnixTimestamp64Milli({at:Int64}, 'UTC')", p).get(1, TimeUnit.MINUTES).close();
        } catch (Exception ex) {
            throw new IllegalStateException("writing the pipe catalog failed: "
                    + ex.getMessage(), ex);
        }
    }
}
