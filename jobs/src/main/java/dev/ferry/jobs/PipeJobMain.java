package dev.ferry.jobs;

import dev.ferry.state.lifecycle.PipeRun;
import dev.ferry.state.spec.PipeSpec;
import dev.ferry.state.spec.PipeSpecParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The job jar's entry point on a Flink cluster (session {@code jars/run}, or application mode):
 * builds a pipe's job graph and submits it. Setup (destination tables, publication) is the control
 * plane's ({@code ferry create}), or this job's own with {@code --setup} when nothing else manages the
 * pipe (Kubernetes application mode). It reads the source tables as they are now, so a restart sees
 * added columns.
 *
 * <pre>
 * --spec-base64 B   the pipe spec (YAML), base64       | --spec-file F   the spec from a file
 * --run-base64 R    the run (JSON, see PipeRun), base64; default: the first run
 * --setup           set the pipe up first; safe on every start (creates only what is missing)
 * </pre>
 *
 * {@code ${VAR}} references left in the spec are read from this process' environment.
 */
public final class PipeJobMain {
    private static final String USAGE =
            "usage: PipeJobMain --spec-base64 B | --spec-file F [--run-base64 R] [--setup]";

    private PipeJobMain() {}

    public static void main(String[] args) throws Exception {
        String specText = null;
        PipeRun run = null;
        boolean setup = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--spec-base64" -> specText = decode(value(args, ++i));
                case "--spec-file" -> specText = Files.readString(Path.of(value(args, ++i)), StandardCharsets.UTF_8);
                case "--run-base64" -> run = PipeRun.fromJson(decode(value(args, ++i)));
                case "--setup" -> setup = true;
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + "; " + USAGE);
            }
        }
        if (specText == null) {
            throw new IllegalArgumentException(USAGE);
        }
        PipeSpec spec = PipeSpecParser.parse(specText, System.getenv());
        if (run == null) {
            run = PipeRuns.first(spec);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        PipeEnvironment.apply(env, spec);
        PipeSource.of(spec).build(env, spec, run, setup);
        env.execute("ferry " + spec.name());
    }

    public static String encode(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            throw new IllegalArgumentException(args[i - 1] + " needs a value; " + USAGE);
        }
        return args[i];
    }

    private static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }
}
