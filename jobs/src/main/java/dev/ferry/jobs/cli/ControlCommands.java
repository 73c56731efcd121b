package dev.ferry.jobs.cli;

import dev.ferry.jobs.control.PipeControl;
import dev.ferry.state.lifecycle.PipeEntry;
import dev.ferry.jobs.control.PipeStatus;
import dev.ferry.state.lifecycle.PipeState;
import dev.ferry.state.spec.PipeSpecDocument;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** The commands that manage pipes on a Flink cluster, through the pipe catalog. */
final class ControlCommands {
    private ControlCommands() {}

    /** What every control command shares: the catalog and stdout. */
    abstract static class ControlCommand implements Callable<Integer> {
        @Mixin
        ControlOptions options;

        @Spec
        CommandSpec command;

        PrintWriter out() {
            return command.commandLine().getOut();
        }

        @Override
        public final Integer call() throws Exception {
            run(options.open());
            out().flush();
            return 0;
        }

        abstract void run(PipeControl control) throws Exception;

        void started(PipeEntry e, String what) {
            out().printf("pipe %s %s: Flink job %s, web UI %s%n", e.name(), what, e.jobId(),
                    new dev.ferry.jobs.control.FlinkRestClient(e.flinkUrl()).jobPage(e.jobId()));
        }
    }

    /** A command about one pipe, named first. */
    abstract static class PipeCommand extends ControlCommand {
        @Parameters(index = "0", description = "Pipe name.")
        String pipe;
    }

    /** A command about tables of one pipe. */
    abstract static class TablesCommand extends PipeCommand {
        @Parameters(index = "1..*", description = "Tables (schema.table).")
        List<String> tables;
    }

    @Command(name = "create", description = "Set a pipe up and start it on a Flink cluster.")
    static final class Create extends ControlCommand {
        @Parameters(index = "0", description = "Pipe spec (YAML).")
        Path spec;

        @Option(names = "--flink", required = true, description = "Flink REST URL, e.g. http://127.0.0.1:18081")
        String flink;

        @Override
        void run(PipeControl control) throws Exception {
            started(control.create(new PipeSpecDocument(Files.readString(spec, StandardCharsets.UTF_8)), flink), "created");
        }
    }

    @Command(name = "list", description = "List the pipes in the catalog with their state.")
    static final class ListPipes extends ControlCommand {
        @Override
        void run(PipeControl control) throws Exception {
            for (PipeEntry e : control.list()) {
                out().printf("%-30s %-12s %s%n", e.name(), control.state(e.name()).label(), e.flinkUrl());
            }
        }
    }

    @Command(name = "status", description = "State, progress per table, CDC lag and the Flink job of a pipe.")
    static final class Status extends PipeCommand {
        @Override
        void run(PipeControl control) throws Exception {
            PipeStatus.of(control, pipe).print(out());
        }
    }

    @Command(name = "pause", description = "Stop a pipe with a savepoint (Running -> Pausing -> Paused).")
    static final class Pause extends PipeCommand {
        @Override
        void run(PipeControl control) throws Exception {
            out().printf("pipe %s is Paused (savepoint %s)%n", pipe, control.pause(pipe).savepoint());
        }
    }

    @Command(name = "resume", description = "Start a paused pipe from its savepoint.")
    static final class Resume extends PipeCommand {
        @Override
        void run(PipeControl control) throws Exception {
            started(control.resume(pipe), "resumed");
        }
    }

    @Command(name = "edit", description = "Change sync settings of a paused pipe (--set sync_interval_seconds=5), or"
            + " options of one table of a running, paused or failed pipe (--table public.orders --set"
            + " 'order_by=[status, id]').")
    static final class Edit extends PipeCommand {
        @Option(names = "--set", required = true, description = "setting=value, or option=YAML value with --table;"
                + " an empty value removes a table option (repeatable)")
        Map<String, String> settings = new LinkedHashMap<>();

        @Option(names = "--table", description = "Set options of this table; a change of its ClickHouse table"
                + " (exclude_columns, order_by, primary_key, partition_by, column_types, json_type, numeric_type)"
                + " resyncs it.")
        String table;

        @Override
        void run(PipeControl control) throws Exception {
            if (table == null) {
                control.edit(pipe, settings);
                out().printf("pipe %s: %s set; they apply when it resumes%n", pipe, settings);
                return;
            }
            PipeEntry before = control.entry(pipe);
            PipeEntry after = control.editTable(pipe, table, settings);
            if (after.run().generation() != before.run().generation()) {
                started(after, "resyncing " + table + " with " + settings);
            } else if (!after.spec().text().equals(before.spec().text())) {
                out().printf("pipe %s: %s of %s set; %s%n", pipe, settings, table,
                        after.jobId() != null && !after.jobId().equals(before.jobId()) ? "applied"
                        : control.state(pipe) == PipeState.FAILED ? "they apply when it is resynced"
                        : "they apply when it resumes");
            } else {
                out().printf("pipe %s: %s of %s are already so%n", pipe, settings, table);
            }
        }
    }

    @Command(name = "add-tables", description = "Add tables to a pipe; they get an initial load.")
    static final class AddTables extends TablesCommand {
        @Override
        void run(PipeControl control) throws Exception {
            started(control.addTables(pipe, tables), "modified");
        }
    }

    @Command(name = "remove-tables", description = "Remove tables from a pipe; their ClickHouse tables stay.")
    static final class RemoveTables extends TablesCommand {
        @Override
        void run(PipeControl control) throws Exception {
            started(control.removeTables(pipe, tables), "modified");
        }
    }

    @Command(name = "resync", description = "Reload a pipe (or one table) into _resync tables and swap them in.")
    static final class Resync extends PipeCommand {
        @Option(names = "--table", description = "Only this table.")
        String table;

        @Override
        void run(PipeControl control) throws Exception {
            started(control.resync(pipe, Optional.ofNullable(table)), "resyncing");
        }
    }

    @Command(name = "delete", description = "Stop a pipe and remove its slot, publication and catalog entry.")
    static final class Delete extends PipeCommand {
        @Option(names = "--drop-tables", description = "Also drop its ClickHouse tables.")
        boolean dropTables;

        @Override
        void run(PipeControl control) throws Exception {
            control.delete(pipe, dropTables);
            out().printf("pipe %s deleted%s%n", pipe, dropTables ? " with its tables" : "");
        }
    }
}
