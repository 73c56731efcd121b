package dev.ferry.jobs.cli;

import dev.ferry.operators.PipeSetupException;
import dev.ferry.state.spec.PipeSpec;
import dev.ferry.state.spec.PipeSpecParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads a pipe spec file, resolving ${ENV} references from the process environment. */
final class SpecFiles {
    private SpecFiles() {}

    static PipeSpec read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new PipeSetupException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return PipeSpecParser.parse(text, System.getenv());
    }
}
