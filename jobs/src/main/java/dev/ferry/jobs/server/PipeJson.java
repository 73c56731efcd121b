package dev.ferry.jobs.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.jobs.control.FlinkRestClient;
import dev.ferry.jobs.control.PipeStatus;
import dev.ferry.operators.clickhouse.ClickHousePipeCatalog.Sample;
import dev.ferry.operators.clickhouse.ClickHousePipeCatalog.Action;
import dev.ferry.operators.clickhouse.ClickHouseStatusTables.TableProgressRow;
import dev.ferry.state.lifecycle.PipeEntry;
import java.util.List;

/**
 * The API's JSON for pipes: what {@code ferry status} shows, never the spec's text (a spec may hold a
 * password written into it) nor anything resolved from the environment.
 */
final class PipeJson {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private PipeJson() {}

    static ObjectNode entry(PipeEntry e) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("name", e.name());
        n.put("flink_url", e.flinkUrl());
        n.put("job_id", e.jobId());
        n.put("generation", e.run().generation());
        n.put("job_page", e.hasJob() ? new FlinkRestClient(e.flinkUrl()).jobPage(e.jobId()) : "");
        return n;
    }

    static ObjectNode status(PipeEntry e, PipeStatus s) {
        ObjectNode n = entry(e);
        n.put("state", s.state().label());
        n.put("since", s.since() == null ? null : s.since().toString());
        n.put("reason", s.reason());
        n.put("last_error", s.lastError());
        n.put("job_state", s.jobState());
        n.put("retrying", PipeWatcher.retrying(s).orElse(null));
        ArrayNode tables = n.putArray("tables");
        for (TableProgressRow t : s.tables()) {
            ObjectNode row = tables.addObject();
            row.put("table", t.table());
            row.put("partitions_done", t.partitionsDone());
            row.put("partitions_total", t.partitionsTotal());
            row.put("rows_snapshotted", t.rowsSnapshotted());
            row.put("inserts", t.inserts());
            row.put("updates", t.updates());
            row.put("deletes", t.deletes());
        }
        s.replication().ifPresent(r -> {
            ObjectNode rep = n.putObject("replication");
            rep.put("slot", r.slot());
            rep.put("active", r.active());
            rep.put("lag_seconds", r.lagSeconds());
            rep.put("lag_bytes", r.lagBytes());
            rep.put("retained_bytes", r.retainedBytes());
            rep.put("wal_status", r.walStatus());
        });
        ArrayNode events = n.putArray("events");
        s.events().forEach(c -> events.addObject().put("at", c.at().toString()).put("reason", c.reason()));
        ArrayNode history = n.putArray("history");
        s.moves().forEach(c -> history.addObject().put("at", c.at().toString()).put("state", c.state().label())
                .put("previous", c.previous()).put("reason", c.reason()));
        return n;
    }

    static ArrayNode series(List<Sample> samples) {
        ArrayNode a = MAPPER.createArrayNode();
        samples.forEach(x -> a.addObject().put("at", x.at().toString()).put("lag_seconds", x.lagSeconds())
                .put("rows", x.rows()));
        return a;
    }

    static ArrayNode actions(List<Action> actions) {
        ArrayNode a = MAPPER.createArrayNode();
        actions.forEach(x -> a.addObject().put("who", x.who()).put("action", x.action()).put("outcome", x.outcome())
                .put("at", x.at().toString()));
        return a;
    }

    static ObjectNode error(String message) {
        return MAPPER.createObjectNode().put("error", message);
    }
}
