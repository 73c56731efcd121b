package dev.ferry.operators.clickhouse;

import com.clickhouse.client.api.Client;
import dev.ferry.operators.PipeSetupException;
import dev.ferry.state.lifecycle.PipeState;
import dev.ferry.state.schema.TableSchema;
import dev.ferry.state.spec.DestinationTable;
import dev.ferry.state.spec.DestinationOptions;
import dev.ferry.state.spec.PipeSpec;
import dev.ferry.state.spec.TableSpec;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The destination side of every pipe's Setup, whatever its source: status tables (and Provisioning,
 * Setup recorded for a new pipe), then the destination's cluster options checked and its database
 * and tables created as its {@link ClickHouseDestinationLayout} says. Sources check their own side
 * first, so a bad spec leaves nothing half-made behind.
 */
public final class ClickHouseDestinationSetup {
    private static final Logger LOG = LoggerFactory.getLogger(ClickHouseDestinationSetup.class);

    private ClickHouseDestinationSetup() {}

    /**
     * Creates the status tables and the destination tables that are missing; for a new pipe with no
     * recorded state, records Provisioning and Setup. Safe to repeat.
     */
    public static void prepare(Client client, PipeSpec spec, List<TableSchema> tables, boolean newPipe) {
        ClickHouseStatusTables status =
                new ClickHouseStatusTables(client, spec.destination().get(DestinationOptions.STATUS_DATABASE));
        status.create();
        if (newPipe && status.lastState(spec.name()).isEmpty()) {
            status.recordState(spec.name(), null, PipeState.PROVISIONING, "");
            status.recordState(spec.name(), PipeState.PROVISIONING, PipeState.SETUP, "");
        }
        createTables(client, new ClickHouseConnections(spec.destination()), tables, spec, newPipe);
    }

    /**
     * Checks the destination's cluster options, then creates the database and tables (ON CLUSTER,
     * replicated, Distributed as the layout says); on failure drops the tables this call created.
     * Tables left read-only replicas (no Keeper session) fail the setup.
     */
    private static void createTables(Client client, ClickHouseConnections destination, List<TableSchema> tables,
            PipeSpec spec, boolean newPipe) {
        ClickHouseDestinationLayout layout = destination.layout(client);
        List<String> problems = ClickHouseDestinationCheck.problems(client, layout, destination.describe());
        if (!problems.isEmpty()) {
            throw new PipeSetupException(String.join("; ", problems));
        }
        String database = layout.database();
        List<String> created = new ArrayList<>();
        List<String> views = new ArrayList<>();
        try {
            ClickHouseConnections.execute(client, ClickHouseTableDdl.createDatabase(layout));
            for (TableSchema t : tables) {
                boolean existed = !client.queryAll("EXISTS TABLE " + ClickHouseSql.qualified(database, t.target()))
                        .get(0).getString(1).equals("0");
                DestinationTable shape = ClickHouseTypes.decideJson(client, database, t.target(),
                        spec.table(t.sourceId()).map(TableSpec::destination).orElse(DestinationTable.DEFAULT));
                if (existed) {
                    List<String> unfit = ClickHouseExistingTable.problems(client, layout,
                            ClickHouseTypeOverrides.apply(t, shape), newPipe);
                    if (!unfit.isEmpty()) {
                        throw new IllegalArgumentException(unfit.get(0));
                    }
                }
                for (String sql : ClickHouseTableDdl.createTable(layout, t, shape)) {
                    ClickHouseConnections.execute(client, sql);
                }
                if (!existed) {
                    created.add(t.target());
                }
                String partitionProblem = partitionOutsideSortingKey(client, database, t, shape);
                if (partitionProblem != null) {
                    throw new IllegalArgumentException(partitionProblem);
                }
                if (shape.currentView() != null) {
                    views.add(shape.currentView());
                    ClickHouseCurrentView.refresh(client, layout, t.target(), shape.currentView());
                }
                LOG.info("destination table {}.{} ready for {} ({})", database, t.target(), t.sourceId(), layout);
            }
        } catch (RuntimeException e) {
            for (String view : views) {
                ClickHouseCurrentView.drop(layout, view).forEach(sql -> ClickHouseConnections.execute(client, sql));
            }
            for (String target : created) {
                ClickHouseTableDdl.dropTableReleasingPath(layout, target).forEach(sql -> ClickHouseConnections.execute(client, sql));
            }
            throw new PipeSetupException("creating destination tables in " + database + " failed: "
                    + PipeSetupException.firstLine(e), e);
        }
        problems = ClickHouseDestinationCheck.readOnlyReplicas(client, layout,
                tables.stream().map(TableSchema::target).toList(), destination.describe());
        if (!problems.isEmpty()) {
            throw new PipeSetupException(String.join("; ", problems));
        }
    }

    /**
     * Whether {@code table}'s ClickHouse table can be made as {@code shape} says, as Setup checks it:
     * the table is made under a scratch name, looked at by the engine, and dropped. For options
     * changed on an existing pipe, before anything is changed.
     */
    public static void checkShape(Client client, ClickHouseDestinationLayout layout, TableSchema table,
            DestinationTable shape) {
        String scratch = table.target() + "_ferry_check";
        try {
            ClickHouseResync.createCopy(client, layout, table, shape, scratch, "ferry: checking table options");
            String problem = partitionOutsideSortingKey(client, layout.database(), table.withTarget(scratch), shape);
            if (problem != null) {
                throw new PipeSetupException(problem);
            }
        } catch (RuntimeException e) {
            throw e instanceof PipeSetupException p ? p : new PipeSetupException(table.sourceId()
                    + ": its ClickHouse table cannot be made with these options: " + PipeSetupException.firstLine(e), e);
        } finally {
            ClickHouseTableDdl.dropTableReleasingPath(layout, scratch).forEach(sql -> ClickHouseConnections.execute(client, sql));
        }
    }

    /**
     * Why {@code keys.partitionBy()} cannot be kept (null if it can): it reads a column outside the
     * sorting key. ReplacingMergeTree replaces a row's versions only within a partition, so a change of
     * such a column would leave the old version in its old partition.
     */
    private static String partitionOutsideSortingKey(Client client, String database, TableSchema t,
            DestinationTable keys) {
        if (keys.partitionBy() == null) {
            return null;
        }
        List<String> outside = client.queryAll("SELECT name FROM system.columns WHERE database = "
                        + ClickHouseSql.quoteLiteral(database) + " AND table = " + ClickHouseSql.quoteLiteral(t.target())
                        + " AND is_in_partition_key AND NOT is_in_sorting_key ORDER BY position")
                .stream().map(r -> r.getString(1)).toList();
        return outside.isEmpty() ? null : t.sourceId() + ": partition_by reads " + String.join(", ", outside)
                + ", which the sorting key lacks, so a row whose value changes would stay in its old partition too:"
                + " add " + String.join(", ", outside) + " to order_by, or partition by sorting columns";
    }
}
