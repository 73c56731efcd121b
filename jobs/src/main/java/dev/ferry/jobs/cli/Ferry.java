package dev.ferry.jobs.cli;

import dev.ferry.operators.PipeSetupException;
import dev.ferry.state.spec.PipeSpecException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ferry} command line. */
@Command(
        name = "ferry",
        mixinStandardHelpOptions = true,
        scope = CommandLine.ScopeType.INHERIT, // --help on every command
        version = "ferry 0.1.0",
        description = "Keeps ClickHouse in step with Postgres and MongoDB.",
        subcommands = {
            RunCommand.class,
            ValidateCommand.class,
            PlanCommand.class,
            ControlCommands.Create.class,
            ControlCommands.ListPipes.class,
            ControlCommands.Status.class,
            ControlCommands.Pause.class,
            ControlCommands.Resume.class,
            ControlCommands.Edit.class,
            ControlCommands.AddTables.class,
            ControlCommands.RemoveTables.class,
            ControlCommands.Resync.class,
            ControlCommands.Delete.class,
            ServerCommand.class
        })
public final class Ferry implements Runnable {
    /** Exit code for input the user must fix (spec, connection, missing table). */
    public static final int BAD_INPUT = 2;
    /** Exit code for a pipe that failed while running. */
    public static final int FAILED = 1;

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs a command line; user errors print one line to stderr. */
    public static int execute(String... args) {
        return execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new Ferry()).setOut(out).setErr(err).setCaseInsensitiveEnumValuesAllowed(true);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            PrintWriter stderr = commandLine.getErr();
            if (e instanceof PipeSpecException || e instanceof PipeSetupException
                    || e instanceof dev.ferry.state.lifecycle.IllegalTransitionException) {
                stderr.println("ferry: " + e.getMessage());
                stderr.flush();
                return BAD_INPUT;
            }
            stderr.println("ferry: " + e);
            stderr.flush();
            return FAILED;
        });
        return cli.execute(args);
    }
}
