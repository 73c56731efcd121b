package dev.ferry.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.testing.ClickHouseTestDatabase;
import dev.ferry.testing.LocalServers;
import dev.ferry.testing.PostgresTestDatabase;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input gives one clear line, exit code 2, and leaves nothing behind in ClickHouse. */
class RunBadInputIT {
    private static PostgresTestDatabase pg;
    private static ClickHouseTestDatabase ch;

    @TempDir
    Path dir;

    @BeforeAll
    static void servers() {
        pg = new PostgresTestDatabase("bad");
        pg.execute("CREATE TABLE t (id int PRIMARY KEY)");
        ch = new ClickHouseTestDatabase("bad");
    }

    @AfterAll
    static void drop() {
        ch.close();
        pg.close();
    }

    private record Outcome(int code, String out, String err) {}

    private Outcome run(String yaml) throws Exception {
        Path spec = dir.resolve("pipe.yaml");
        Files.writeString(spec, yaml);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Ferry.execute(new PrintWriter(out, true), new PrintWriter(err, true), "run", spec.toString());
        return new Outcome(code, out.toString(), err.toString());
    }

    private static String source(int port, String password, String database) {
        return "source: {type: postgres, host: 127.0.0.1, port: " + port + ", database: " + database
                + ", user: postgres, password: " + password + "}\n";
    }

    private void assertOneLineErrorAndNothingCreated(Outcome o, String expected) {
        assertThat(o.code()).as(o.err()).isEqualTo(Ferry.BAD_INPUT);
        assertThat(o.err()).startsWith("ferry: ").contains(expected).doesNotContain("Exception");
        assertThat(o.err().strip().lines().count()).isEqualTo(1);
        assertThat(o.err()).doesNotContain("s3cret");
        assertThat(ch.count("SELECT count() FROM system.databases WHERE name IN ('" + ch.name() + "', '"
                + ch.statusDatabase() + "')")).isZero();
    }

    @Test
    void unreachablePostgres() throws Exception {
        Outcome o = run("name: p1\n" + source(1, "s3cret", pg.name()) + ch.destinationYaml() + "tables: [t]\n");
        assertOneLineErrorAndNothingCreated(o, "cannot connect to postgres 127.0.0.1:1/" + pg.name() + " as postgres");
    }

    @Test
    void wrongPassword() throws Exception {
        Outcome o = run("name: p2\n" + source(LocalServers.postgresPort(), "s3cret", pg.name()) + ch.destinationYaml()
                + "tables: [t]\n");
        assertOneLineErrorAndNothingCreated(o, "password authentication failed for user \"postgres\"");
    }

    @Test
    void missingTables() throws Exception {
        Outcome o = run("name: p3\n" + pg.sourceYaml() + ch.destinationYaml() + "tables: [t, nope, other.gone]\n");
        assertOneLineErrorAndNothingCreated(o, "table public.nope does not exist in database " + pg.name()
                + "; table other.gone does not exist in database " + pg.name());
    }

    @Test
    void invalidSettings() throws Exception {
        Outcome o = run("name: p4\n" + pg.sourceYaml() + ch.destinationYaml() + "tables: [t]\n"
                + "settings: {initial_load_parallelism: 0, snapshot_num_rows_per_partition: -1,"
                + " snapshot_number_of_parallel_tables: 0, pull_batch_size: 0}\n");
        assertOneLineErrorAndNothingCreated(o, "invalid pipe spec: settings.initial_load_parallelism: must be between"
                + " 1 and 64 (got 0); settings.snapshot_num_rows_per_partition: must be between 1 and 100000000 (got -1);"
                + " settings.snapshot_number_of_parallel_tables: must be between 1 and 64 (got 0);"
                + " settings.pull_batch_size: must be between 1 and 10000000 (got 0)");
    }

    @Test
    void unreachableClickHouse() throws Exception {
        Outcome o = run("name: p5\n" + pg.sourceYaml()
                + "destination: {url: 'http://127.0.0.1:1', database: " + ch.name() + ", password: s3cret}\n"
                + "tables: [t]\n");
        assertOneLineErrorAndNothingCreated(o, "cannot reach clickhouse http://127.0.0.1:1 as default");
    }

    @Test
    void validateReportsProblemsWithoutTouchingServers() throws Exception {
        Path spec = dir.resolve("v.yaml");
        Files.writeString(spec, "name: v\n" + source(1, "s3cret", "x") + ch.destinationYaml() + "tables: [t]\n");
        StringWriter out = new StringWriter();
        int code = Ferry.execute(new PrintWriter(out, true), new PrintWriter(new StringWriter(), true), "validate",
                spec.toString());
        assertThat(code).isZero();
        assertThat(out.toString()).startsWith("valid: pipe v").contains("password=***").doesNotContain("s3cret");
    }
}
