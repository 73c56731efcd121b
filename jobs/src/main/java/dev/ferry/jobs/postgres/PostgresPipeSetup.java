package dev.ferry.jobs.postgres;

import com.clickhouse.client.api.Client;
import dev.ferry.jobs.PipeRuns;
import dev.ferry.operators.PipeSetupException;
import dev.ferry.operators.clickhouse.ClickHouseConnections;
import dev.ferry.operators.clickhouse.ClickHouseDestinationLayout;
import dev.ferry.operators.clickhouse.ClickHouseDestinationSetup;
import dev.ferry.operators.clickhouse.ClickHouseTableDdl;
import dev.ferry.operators.clickhouse.ClickHouseTypeOverrides;
import dev.ferry.operators.postgres.PostgresConnections;
import dev.ferry.operators.postgres.setup.PostgresCatalog.SourceTable;
import dev.ferry.operators.postgres.setup.PostgresCatalog;
import dev.ferry.operators.postgres.setup.PostgresReplicationSetup;
import dev.ferry.state.spec.DestinationTable;
import dev.ferry.state.spec.PipeSettings.ReplicationMode;
import dev.ferry.state.spec.PipeSettings;
import dev.ferry.state.spec.PipeSpec;
import dev.ferry.state.spec.SourceKind;
import dev.ferry.state.spec.TableSpec;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Provisioning and Setup of a Postgres pipe, before its job starts: everything is checked first
 * (source reachable, every table readable and mappable, destination reachable), and only then are
 * destination tables created, so a bad spec leaves nothing half-made behind.
 */
public final class PostgresPipeSetup {
    private PostgresPipeSetup() {}

    /**
     * Provisioning and Setup of a new pipe: records both in the status tables and runs
     * {@link #prepare}. Returns the source tables.
     */
    public static List<SourceTable> run(PipeSpec spec) {
        return prepare(spec, true);
    }

    /**
     * Checks source and destination, creates the destination tables (those missing) and, for pipes
     * that follow changes, makes the publication list exactly the spec's tables (and creates the slot
     * of a CDC-only pipe; the initial load creates it otherwise, exporting its snapshot). Safe to
     * repeat: a pipe whose tables changed is prepared again. Returns the source tables.
     */
    public static List<SourceTable> prepare(PipeSpec spec, boolean newPipe) {
        if (spec.sourceKind() != SourceKind.POSTGRES) {
            throw new PipeSetupException("pipe " + spec.name() + " reads from " + spec.sourceKind() + ", not postgres");
        }
        List<SourceTable> tables = readSourceTables(spec);
        ReplicationMode mode = spec.setting(PipeSettings.REPLICATION_MODE);
        if (mode != ReplicationMode.SNAPSHOT) {
            PostgresReplicationSetup.check(spec, tables);
        }
        try (Client client = new ClickHouseConnections(spec.destination()).openChecked()) {
            ClickHouseDestinationSetup.prepare(client, spec, tables.stream().map(SourceTable::schema).toList(), newPipe);
        }
        if (mode != ReplicationMode.SNAPSHOT) {
            // The initial load's first export creates the slot with its snapshot; without a load, setup does.
            boolean loads = PostgresStreamCopies.route(PipeRuns.first(spec), tables, mode).loads();
            PostgresReplicationSetup.prepare(spec, tables, !loads);
        }
        return tables;
    }

    /**
     * Whether the table's ClickHouse table can be made as its spec entry says: reserved column names,
     * chosen column types that fit, order_by holding the key, and, for a change stream, the old values
     * of sorting columns beyond the key logged with each change (REPLICA IDENTITY FULL), so that a
     * change of one removes the row's old version.
     */
    private static void checkDestinationTable(SourceTable table, boolean changes) {
        DestinationTable destination = table.spec().destination();
        if (table.positionKeyed() && (!destination.orderBy().isEmpty() || !destination.primaryKey().isEmpty())) {
            throw new PipeSetupException(table.spec().sourceId() + " has no primary key, so its rows are keyed by their"
                    + " position, which order_by and primary_key cannot name: add a primary key to sort it by columns");
        }
        ClickHouseTypeOverrides.check(table.schema(), destination);
        ClickHouseTableDdl.createTable(ClickHouseDestinationLayout.ofDatabase("check", null), table.schema(), destination);
        List<String> beyond = destination.sortedBeyond(table.schema().key());
        if (changes && !beyond.isEmpty() && table.replicaIdentity() != 'f') {
            throw new PipeSetupException(table.spec().sourceId() + ": order_by column" + (beyond.size() > 1 ? "s " : " ")
                    + String.join(", ", beyond) + " beyond its key need the old values logged with each change: ALTER"
                    + " TABLE " + table.qualifiedName() + " REPLICA IDENTITY FULL (or sort by key columns only)");
        }
    }

    /** The spec's tables as the catalog describes them now; creates nothing (a job reads them at start). */
    public static List<SourceTable> readSourceTables(PipeSpec spec) {
        PostgresConnections source = new PostgresConnections(spec.name(), spec.source());
        boolean snapshotOnly = spec.setting(PipeSettings.REPLICATION_MODE) == ReplicationMode.SNAPSHOT;
        List<SourceTable> tables = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        try (Connection conn = source.openChecked("setup")) {
            for (TableSpec t : spec.tables()) {
                try {
                    SourceTable table = PostgresCatalog.read(conn, t, !snapshotOnly);
                    List<String> unknown = PostgresCatalog.unknownExcluded(conn, table);
                    if (!unknown.isEmpty()) {
                        throw new PipeSetupException(t.sourceId() + " has no column " + String.join(", ", unknown)
                                + " (exclude_columns names columns as they are in the table)");
                    }
                    checkDestinationTable(table, !snapshotOnly);
                    tables.add(table);
                } catch (PipeSetupException | IllegalArgumentException e) {
                    problems.add(e.getMessage());
                }
            }
        } catch (SQLException e) {
            throw new PipeSetupException("reading the catalog of " + source.describe() + " failed: "
                    + PipeSetupException.firstLine(e), e);
        }
        if (!problems.isEmpty()) {
            throw new PipeSetupException(String.join("; ", problems));
        }
        return tables;
    }
}
