package dev.ferry.operators.clickhouse;

import com.clickhouse.client.api.Client;
import dev.ferry.state.lifecycle.PipeState;
import dev.ferry.state.schema.TableSchema;
import dev.ferry.state.spec.DestinationOptions;
import dev.ferry.state.spec.DestinationTable;
import dev.ferry.state.spec.PipeSpec;
import dev.ferry.state.spec.TableSpec;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the control plane does to one pipe's ClickHouse side, by name: checks of changed table
 * options, the empty copies a resync fills, dropping views and tables, and the pipe's recorded
 * state. One connection, opened for a command and closed after it.
 */
public final class ClickHousePipeDestination implements AutoCloseable {
    private final PipeSpec spec;
    private final Client client;
    private ClickHouseDestinationLayout layout;

    private ClickHousePipeDestination(PipeSpec spec, Client client) {
        this.spec = spec;
        this.client = client;
    }

    /** Opens the pipe's destination; fails with the reason when the server cannot be used. */
    public static ClickHousePipeDestination open(PipeSpec spec) {
        return new ClickHousePipeDestination(spec, new ClickHouseConnections(spec.destination()).openChecked());
    }

    private ClickHouseDestinationLayout layout() {
        if (layout == null) {
            layout = new ClickHouseConnections(spec.destination()).layout(client);
        }
        return layout;
    }

    /** Fails with the reason when {@code options} cannot make the existing table of {@code table}. */
    public void checkTableOptions(TableSchema table, DestinationTable options) {
        ClickHouseDestinationSetup.checkShape(client, layout(), table,
                ClickHouseTypes.decideJson(client, layout().database(), table.target(), options));
    }

    /** Drops the current-rows view {@code view}, if there is one. */
    public void dropView(String view) {
        ClickHouseCurrentView.drop(layout(), view).forEach(sql -> ClickHouseConnections.execute(client, sql));
    }

    /**
     * Empty copies of {@code tables} (source ids) for run {@code generation} to fill, which replace
     * the tables when it is done (see {@link ClickHouseResync}).
     */
    public void createResyncCopies(List<TableSchema> schemas, Collection<String> tables, int generation) {
        for (TableSchema t : schemas) {
            if (tables.contains(t.sourceId())) {
                // json_type: auto as the table it replaces has it, which the change stream writes alike
                DestinationTable options = spec.table(t.sourceId()).map(TableSpec::destination)
                        .orElse(DestinationTable.DEFAULT);
                ClickHouseResync.createCopy(client, layout(), t,
                        ClickHouseTypes.decideJson(client, layout().database(), t.target(), options), generation);
            }
        }
    }

    /** The tables of {@code sourceIds} whose ClickHouse table exists already. */
    public List<String> existing(List<String> sourceIds) {
        List<String> found = new ArrayList<>();
        String database = spec.destination().get(DestinationOptions.DATABASE);
        for (String id : sourceIds) {
            String target = spec.table(id).orElseThrow().target();
            if (!client.queryAll("SELECT 1 FROM system.tables WHERE database = {db:String} AND name = {t:String}",
                    Map.of("db", database, "t", target)).isEmpty()) {
                found.add(id);
            }
        }
        return found;
    }

    /**
     * Drops every table of the pipe with its resync copy and its view: ON CLUSTER with their
     * Distributed tables; SYNC where a Keeper path is made from the name.
     */
    public void dropTables() {
        for (TableSpec t : spec.tables()) {
            dropView(t.destination().currentView());
            for (String table : List.of(t.target(), ClickHouseResync.copyOf(t.target()))) {
                ClickHouseTableDdl.dropTableReleasingPath(layout(), table)
                        .forEach(sql -> ClickHouseConnections.execute(client, sql));
            }
        }
    }

    /** Forgets the recorded states and progress of an earlier pipe of this name. */
    public void forgetStatus() {
        status().forget(spec.name());
    }

    /** The pipe's last recorded state. */
    public Optional<PipeState> lastState() {
        return status().lastState(spec.name());
    }

    /** The state the pipe was paused from. */
    public PipeState pausedFrom() {
        return status().pausedFrom(spec.name());
    }

    /** Every state change and event recorded for the pipe, oldest first. */
    public List<ClickHouseStatusTables.StateChange> history() {
        return status().history(spec.name());
    }

    /** The durable progress of each of the pipe's tables. */
    public List<ClickHouseStatusTables.TableProgressRow> progress() {
        return status().progress(spec.name());
    }

    /** Records a state change with its reason. */
    public void recordState(PipeState from, PipeState to, String reason) {
        status().recordState(spec.name(), from, to, reason);
    }

    private ClickHouseStatusTables status() {
        return new ClickHouseStatusTables(client, spec.destination().get(DestinationOptions.STATUS_DATABASE));
    }

    @Override
    public void close() {
        client.close();
    }
}
