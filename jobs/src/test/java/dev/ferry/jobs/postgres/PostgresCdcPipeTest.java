package dev.ferry.jobs.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.jobs.PipeEnvironment;
import dev.ferry.operators.clickhouse.ClickHouseStatusTables;
import dev.ferry.operators.postgres.PostgresCatalog.SourceTable;
import dev.ferry.state.lifecycle.PipeState;
import dev.ferry.state.spec.PipeSpec;
import dev.ferry.testing.ClickHouseTestDatabase;
import dev.ferry.testing.PostgresTestDatabase;
import dev.ferry.testing.TableComparison;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class PostgresCdcPipeTest {
    @RegisterExtension
    static final MiniClusterExtension FLINK = PipeTestKit.miniCluster(8);

    private PostgresTestDatabase pg;
    private ClickHouseTestDatabase ch;

    @BeforeEach
    void databases() {
        pg = new PostgresTestDatabase("cdc");
        ch = new ClickHouseTestDatabase("cdc");
    }

    @AfterEach
    void drop() {
        ch.close();
        pg.close();
    }

    @Test
    void typesSurviveTheChangeStreamExactlyAsTheInitialLoadReadsThem() throws Exception {
        pg.execute("""
                CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
                CREATE TABLE t (
                  id int PRIMARY KEY, n numeric(10,2), nb numeric, m money, tx text, tm time, tz timetz, iv interval,
                  d date, ts timestamp, ts3 timestamp(3), tstz timestamptz, u uuid, j jsonb, js json, b bytea,
                  ai int[], at text[], ad date[], mo mood, ip inet, f4 real, f8 float8, bo bool, o oid, c char(4),
                  x xml, pt point, big bigint, sm smallint, vc varchar(20));
                ALTER TABLE t REPLICA IDENTITY FULL""",
                """
                INSERT INTO t VALUES (1, 12.30, 1.50, 12.34, 'a', '12:34:56.789', '12:34:56+02',
                 '1 year 2 mons 3 days 04:05:06.78', '2020-01-02', '2020-01-02 03:04:05.123456', '2020-01-02 03:04:05.123',
                 '2020-01-02 03:04:05.123456+02', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": 1}', '{"b":  2}', '\\x00ff',
                 '{1,NULL,3}', '{"x y",NULL,""}', '{2020-01-01,NULL}', 'ok', '10.0.0.1/24', 1.5, 'NaN', true, 42, 'ab',
                 '<a/>', '(1.5,-2)', -9223372036854775808, -32768, 'ž')""");
        PipeSpec spec = PipeTestKit.spec("cdc_types", pg, ch, "[t]", "{sync_interval_seconds: 1}");
        List<SourceTable> tables = PostgresPipeSetup.run(spec);
        JobClient job = start(spec, tables);
        try {
            awaitState(spec.name(), PipeState.RUNNING);
            pg.execute("""
                    INSERT INTO t VALUES (2, 'NaN', 'NaN', -0.5, repeat('ü', 3000), '24:00:00', '00:00:00-05:30', '0',
                     'infinity', 'infinity', '-infinity', '-infinity', NULL, '[]', 'null', '', '{}', '{}', '{1999-12-31,NULL}',
                     'sad', '::1', '-Infinity', '-0', false, 0, '', '<b>x</b>', '(0,0)', 9223372036854775807, 32767, '')""",
                    "INSERT INTO t (id, iv, tm, n) VALUES (3, '-1 days +02:03:04.5', '00:00:00.000001', 0)",
                    "INSERT INTO t (id, iv) VALUES (4, '1 mon -1 sec')",
                    "INSERT INTO t (id, iv, ts) VALUES (5, '100 years', '1899-12-31 23:59:59')",
                    "UPDATE t SET n = 99.99, tx = tx || '!' WHERE id = 1",
                    "UPDATE t SET id = 10 WHERE id = 3",
                    "DELETE FROM t WHERE id = 4");
            awaitEqual(tables.get(0), "t");
        } finally {
            job.cancel().get();
        }
    }

    private JobClient start(PipeSpec spec, List<SourceTable> tables) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        PipeEnvironment.apply(env, spec);
        PostgresPipeJob.build(env, spec, tables);
        return env.executeAsync(spec.name());
    }

    private void awaitState(String pipe, PipeState state) throws InterruptedException {
        ClickHouseStatusTables status = new ClickHouseStatusTables(ch.client(), ch.statusDatabase());
        long deadline = System.currentTimeMillis() + Duration.ofMinutes(2).toMillis();
        while (System.currentTimeMillis() < deadline) {
            if (status.lastState(pipe).filter(s -> s == state).isPresent()) {
                return;
            }
            Thread.sleep(200);
        }
        assertThat(status.lastState(pipe)).as("state of " + pipe).contains(state);
    }

    /** Polls until the destination equals the source (changes take a sync interval or two to land). */
    private void awaitEqual(SourceTable table, String pgName) throws Exception {
        long deadline = System.currentTimeMillis() + Duration.ofMinutes(1).toMillis();
        TableComparison.Result r;
        do {
            Thread.sleep(500);
            try (Connection c = pg.connect()) {
                r = TableComparison.compare(c, pgName, ch, table.schema());
            }
        } while (!r.equal() && System.currentTimeMillis() < deadline);
        assertThat(r.differences()).isEmpty();
    }
}
