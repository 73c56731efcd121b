package dev.ferry.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.jobs.cli.Ferry;
import dev.ferry.operators.clickhouse.ClickHouseStatusTables;
import dev.ferry.operators.clickhouse.ClickHouseStatusTables.StateChange;
import dev.ferry.state.lifecycle.PipeState;
import dev.ferry.testing.ClickHouseTestDatabase;
import dev.ferry.testing.LocalServers;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code ferry} CLI as a user runs it, in the test's JVM, with the pipe catalog in the test's
 * ClickHouse status database; and the state history the pipes record there.
 */
public final class FerryCli {
    private final ClickHouseTestDatabase ch;

    public FerryCli(ClickHouseTestDatabase ch) {
        this.ch = ch;
    }

    public record Outcome(int code, String out, String err) {}

    public Outcome run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--catalog", LocalServers.clickhouseUrl(), "--catalog-database", ch.statusDatabase()));
        int code = Ferry.execute(new PrintWriter(out, true), new PrintWriter(err, true), all.toArray(String[]::new));
        return new Outcome(code, out.toString(), err.toString());
    }

    /** Runs a command that must succeed; returns what it printed. */
    public String ok(String... args) {
        Outcome o = run(args);
        assertThat(o.code()).as("ferry " + String.join(" ", args) + ": " + o.err()).isZero();
        return o.out();
    }

    /** Runs a command that must be refused as bad input, with one line; returns the line. */
    public String fail(String... args) {
        Outcome o = run(args);
        assertThat(o.code()).as("ferry " + String.join(" ", args) + " should be refused: " + o.out()).isEqualTo(Ferry.BAD_INPUT);
        assertThat(o.err().strip().lines()).hasSize(1);
        return o.err();
    }

    public PipeState lastState(String pipe) {
        return new ClickHouseStatusTables(ch.client(), ch.statusDatabase()).lastState(pipe).orElseThrow();
    }

    /** Waits until the pipe's last recorded state is {@code state}; fails the test after {@code timeout}. */
    public void awaitState(String pipe, PipeState state, Duration timeout) throws InterruptedException {
        ClickHouseStatusTables status = new ClickHouseStatusTables(ch.client(), ch.statusDatabase());
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        while (System.currentTimeMillis() < deadline) {
            if (status.lastState(pipe).filter(s -> s == state).isPresent()) {
                return;
            }
            Thread.sleep(200);
        }
        assertThat(status.lastState(pipe)).as("state of " + pipe).contains(state);
    }

    /** The states the pipe went through, in order (rows that leave the state as it is, events, left out). */
    public List<String> history(String pipe) {
        return new ClickHouseStatusTables(ch.client(), ch.statusDatabase()).history(pipe).stream()
                .filter(c -> !c.state().label().equals(c.previous()))
                .map(StateChange::state).map(PipeState::label).toList();
    }
}
