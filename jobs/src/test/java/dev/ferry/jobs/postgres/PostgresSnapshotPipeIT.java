package dev.ferry.jobs.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.operators.clickhouse.ClickHouseStatusTables;
import dev.ferry.operators.postgres.setup.PostgresCatalog.SourceTable;
import dev.ferry.state.lifecycle.PipeState;
import dev.ferry.state.spec.PipeSpec;
import dev.ferry.testing.ClickHouseTestDatabase;
import dev.ferry.testing.PostgresTestDatabase;
import dev.ferry.testing.TableComparison;
import java.sql.Connection;
import java.util.List;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class PostgresSnapshotPipeIT {
    @RegisterExtension
    static final MiniClusterExtension FLINK = PipeTestKit.miniCluster(8);

    private PostgresTestDatabase pg;
    private ClickHouseTestDatabase ch;

    @BeforeEach
    void databases() {
        pg = new PostgresTestDatabase("snap");
        ch = new ClickHouseTestDatabase("snap");
    }

    @AfterEach
    void drop() {
        ch.close();
        pg.close();
    }

    @Test
    void smallMultiTypeTableLandsEqual() throws Exception {
        pg.execute("""
                CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
                CREATE TABLE public."Mixed Case" (
                  id bigint PRIMARY KEY, i2 smallint, i4 integer, f4 real, f8 double precision,
                  n numeric(12,3), nb numeric, b boolean, t text, vc varchar(10), c char(5), by bytea,
                  d date, ts timestamp, tz timestamptz, tm time, iv interval, u uuid, j json, jb jsonb,
                  ai integer[], at text[], m mood, ip inet)""",
                """
                INSERT INTO public."Mixed Case"
                SELECT g, (g % 32000)::smallint, g * 7, g / 3.0, g / 7.0, g / 1000.0, g * 1.5, g % 2 = 0,
                  'text ' || g || E'\\n\\n' || 'žluť 🐎', 'v' || g, 'c' || (g % 10), decode(lpad(to_hex(g), 8, '0'), 'hex'),
                  date '2020-01-01' + g, timestamp '2020-01-01 00:00:00.123456' + g * interval '1 minute',
                  timestamptz '2020-01-01 00:00:00+02' + g * interval '1 second', time '12:34:56.789',
                  g * interval '1 day 2 hours', md5(g::text)::uuid, json_build_object('g', g), jsonb_build_object('k', g),
                  ARRAY[g, NULL, -g], ARRAY['a' || g, NULL], (ARRAY['sad','ok','happy'])[g % 3 + 1]::mood, '10.0.0.1/24'
                FROM generate_series(1, 2000) g""",
                """
                INSERT INTO public."Mixed Case" (id) VALUES (0)""",
                """
                INSERT INTO public."Mixed Case" (id, i2, i4, f4, f8, n, nb, d, ts, tz, t)
                VALUES (-1, -32768, -2147483648, 'NaN', '-Infinity', 'NaN', 'NaN', 'infinity', '-infinity',
                        'infinity', ''),
                       (-2, 32767, 2147483647, '-0', '1e308', -999999999.999, 1e-30, '0001-01-01', '4000-01-01',
                        '1800-05-05 00:00:00+00', repeat('x', 100000))""");
        PipeSpec spec = PipeTestKit.spec("snap_small", pg, ch, "['public.\"Mixed Case\"']",
                "{replication_mode: snapshot, snapshot_num_rows_per_partition: 300, initial_load_parallelism: 3,"
                        + " sync_interval_seconds: 1}");
        List<SourceTable> tables = PipeTestKit.runToCompletion(spec);

        try (Connection c = pg.connect()) {
            TableComparison.Result result =
                    TableComparison.compare(c, "public.\"Mixed Case\"", ch, tables.get(0).schema());
            assertThat(result.differences()).isEmpty();
            assertThat(result.sourceRows()).isEqualTo(2003);
        }
        ClickHouseStatusTables status = new ClickHouseStatusTables(ch.client(), ch.statusDatabase());
        assertThat(status.history("snap_small")).extracting(ClickHouseStatusTables.StateChange::state)
                .containsExactly(PipeState.PROVISIONING, PipeState.SETUP, PipeState.SNAPSHOT, PipeState.COMPLETED);
    }
}
