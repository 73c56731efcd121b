package dev.ferry.jobs.cli;

import dev.ferry.state.spec.PipeSpec;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ferry validate <spec.yaml>}: checks a spec without touching any server. */
@Command(name = "validate", description = "Check a pipe spec and print it (secrets masked).")
final class ValidateCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "Pipe spec (YAML).")
    Path spec;

    @Spec
    CommandSpec command;

    @Override
    public Integer call() {
        PipeSpec parsed = SpecFiles.read(spec);
        command.commandLine().getOut().println("valid: " + parsed);
        return 0;
    }
}
