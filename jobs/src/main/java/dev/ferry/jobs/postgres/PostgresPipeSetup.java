package dev.ferry.jobs.postgres;

import com.clickhouse.client.api.Client;
import dev.ferry.operators.PipeSetupException;
import dev.ferry.operators.clickhouse.ClickHouseConnections;
import dev.ferry.operators.clickhouse.ClickHouseSql;
import dev.ferry.operators.clickhouse.ClickHouseStatusTables;
import dev.ferry.operators.clickhouse.ClickHouseTableDdl;
import dev.ferry.operators.postgres.PostgresCatalog;
import dev.ferry.operators.postgres.PostgresCatalog.SourceTable;
import dev.ferry.operators.postgres.PostgresConnections;
import dev.ferry.state.lifecycle.PipeState;
import dev.ferry.state.spec.DestinationOptions;
import dev.ferry.state.spec.PipeSettings;
import dev.ferry.state.spec.PipeSettings.ReplicationMode;
import dev.ferry.state.spec.PipeSpec;
import dev.ferry.state.spec.SourceKind;
import dev.ferry.state.spec.TableSpec;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Provisioning and Setup of a Postgres pipe, before its job starts: everything is checked first
 * (source reachable, every table readable and mappable, destination reachable), and only then are
 * destination tables created, so a bad spec leaves nothing half-made behind.
 */
public final class PostgresPipeSetup {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresPipeSetup.class);

    private PostgresPipeSetup() {}

    /** Checks source and destination and creates the destination tables; returns the source tables. */
    public static List<SourceTable> run(PipeSpec spec) {
        if (spec.sourceKind() != SourceKind.POSTGRES) {
            throw new PipeSetupException("pipe " + spec.name() + " reads from " + spec.sourceKind() + ", not postgres");
        }
        List<SourceTable> tables = readSourceTables(spec);
        ClickHouseConnections destination = new ClickHouseConnections(spec.destination());
        try (Client client = destination.openChecked()) {
            ClickHouseStatusTables status =
                    new ClickHouseStatusTables(client, spec.destination().get(DestinationOptions.STATUS_DATABASE));
            status.create();
            status.recordState(spec.name(), null, PipeState.PROVISIONING, "");
            status.recordState(spec.name(), PipeState.PROVISIONING, PipeState.SETUP, "");
            createTables(client, destination.database(), tables);
        }
        return tables;
    }

    static List<SourceTable> readSourceTables(PipeSpec spec) {
        PostgresConnections source = new PostgresConnections(spec.name(), spec.source());
        boolean snapshotOnly = spec.setting(PipeSettings.REPLICATION_MODE) == ReplicationMode.SNAPSHOT;
        List<SourceTable> tables = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        try (Connection conn = source.openChecked("setup")) {
            for (TableSpec t : spec.tables()) {
                try {
                    SourceTable table = PostgresCatalog.read(conn, t, snapshotOnly);
                    ClickHouseTableDdl.createTable("check", table.schema()); // reserved column names
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

    /** Creates the database and tables; on failure drops the tables this call created. */
    private static void createTables(Client client, String database, List<SourceTable> tables) {
        List<String> created = new ArrayList<>();
        try {
            ClickHouseConnections.execute(client, ClickHouseTableDdl.createDatabase(database));
            for (SourceTable t : tables) {
                String target = t.schema().target();
                boolean existed = !client.queryAll("EXISTS TABLE " + ClickHouseSql.qualified(database, target))
                        .get(0).getString(1).equals("0");
                ClickHouseConnections.execute(client, ClickHouseTableDdl.createTable(database, t.schema()));
                if (!existed) {
                    created.add(target);
                }
                LOG.info("destination table {}.{} ready for {}", database, target, t.spec().sourceId());
            }
        } catch (RuntimeException e) {
            for (String target : created) {
                ClickHouseConnections.execute(client, "DROP TABLE IF EXISTS " + ClickHouseSql.qualified(database, target));
            }
            throw new PipeSetupException("creating destination tables in " + database + " failed: "
                    + PipeSetupException.firstLine(e), e);
        }
    }
}
