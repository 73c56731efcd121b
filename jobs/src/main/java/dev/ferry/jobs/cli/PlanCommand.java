package dev.ferry.jobs.cli;

import dev.ferry.operators.PipeSetupException;
import dev.ferry.operators.load.LoadPlanner.Plan;
import dev.ferry.operators.postgres.PostgresConnections;
import dev.ferry.operators.postgres.setup.PostgresCatalog.SourceTable;
import dev.ferry.operators.postgres.setup.PostgresCatalog;
import dev.ferry.operators.postgres.snapshot.CtidPartition;
import dev.ferry.operators.postgres.snapshot.CtidPartitionPlanner;
import dev.ferry.state.spec.PipeSettings.SnapshotPartitioning;
import dev.ferry.state.spec.PipeSettings;
import dev.ferry.state.spec.PipeSpec;
import dev.ferry.state.spec.TableSpec;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ferry plan <spec.yaml>}: how the initial load would split each table, and what planning cost. */
@Command(name = "plan", description = "Show the initial load's CTID partitions per table and the planning time.")
final class PlanCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "Pipe spec (YAML).")
    Path spec;

    @Option(names = "--partitioning", description = "block_range or count_window (default: the spec's setting).")
    SnapshotPartitioning partitioning;

    @Option(names = "--show-ranges", description = "Print every partition's ctid range.")
    boolean showRanges;

    @Spec
    CommandSpec command;

    @Override
    public Integer call() throws Exception {
        PipeSpec pipe = SpecFiles.read(spec);
        SnapshotPartitioning strategy =
                partitioning != null ? partitioning : pipe.setting(PipeSettings.SNAPSHOT_PARTITIONING);
        int rowsPerPartition = pipe.setting(PipeSettings.SNAPSHOT_NUM_ROWS_PER_PARTITION);
        PrintWriter out = command.commandLine().getOut();
        PostgresConnections source = new PostgresConnections(pipe.name(), pipe.source());
        try (Connection conn = source.openChecked("plan")) {
            for (TableSpec t : pipe.tables()) {
                SourceTable table;
                try {
                    table = PostgresCatalog.read(conn, t,
                            pipe.setting(PipeSettings.REPLICATION_MODE) != PipeSettings.ReplicationMode.SNAPSHOT);
                } catch (PipeSetupException e) {
                    out.println(t.sourceId() + ": " + e.getMessage());
                    continue;
                }
                if (table.positionKeyed() && pipe.setting(PipeSettings.REPLICATION_MODE) == PipeSettings.ReplicationMode.CDC) {
                    out.println(t.sourceId() + ": no key, so the change stream copies it (one session, one snapshot)");
                    continue;
                }
                Plan<CtidPartition> plan = CtidPartitionPlanner.plan(conn, table, 0, strategy, rowsPerPartition);
                out.printf("%s: %d partitions in %d ms (%s)%n", t.sourceId(), plan.partitions().size(),
                        plan.planningMillis(), plan.basis());
                if (showRanges) {
                    plan.partitions().forEach(p -> out.println("  " + p.splitId() + " " + p.describeRange()));
                }
            }
        }
        return 0;
    }
}
