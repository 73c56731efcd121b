package dev.ferry.operators.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.operators.postgres.setup.SlotManager;
import dev.ferry.state.spec.PipeSpec;
import dev.ferry.state.spec.PipeSpecParser;
import dev.ferry.testing.PostgresTestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link PostgresXidSnapshot} against a real Postgres's snapshots. */
class PostgresXidSnapshotIT {

    /**
     * The slot's exported snapshot against rows written after it — plain, in subtransactions, in
     * multi-row inserts, and updated — as a later snapshot reads them.
     */
    @Test
    void tellsRowsOfTheSlotsSnapshotFromLaterOnes() throws Exception {
        try (PostgresTestDatabase pg = new PostgresTestDatabase("xids")) {
            pg.execute("CREATE TABLE k (v int, later bool NOT NULL DEFAULT false)",
                    "INSERT INTO k (v) SELECT generate_series(1, 100)");
            PipeSpec spec = PipeSpecParser.parse("name: xids\n" + pg.sourceYaml()
                    + "destination: {url: 'http://127.0.0.1:1', database: d}\ntables: [k]\n", Map.of());
            PostgresConnections connections = new PostgresConnections(spec.name(), spec.source());
            String slot = "ferry_xids_test";
            long seed = new Random().nextLong();
            System.out.println("tellsRowsOfTheSlotsSnapshotFromLaterOnes seed " + seed);
            Random random = new Random(seed);
            try (ExportedSnapshot first = SlotManager.createSlotExportingSnapshot(connections, slot)) {
                try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                    for (int i = 0; i < 20; i++) {
                        switch (random.nextInt(4)) {
                            case 0 -> st.execute("INSERT INTO k VALUES (" + (1000 + i) + ", true)");
                            case 1 -> st.execute("BEGIN; SAVEPOINT s; INSERT INTO k VALUES (" + (1000 + i)
                                    + ", true); RELEASE s; COMMIT");
                            case 2 -> st.execute("INSERT INTO k SELECT g, true FROM generate_series(" + (2000 + 10 * i)
                                    + ", " + (2009 + 10 * i) + ") g");
                            default -> st.execute("UPDATE k SET later = true WHERE v = " + (1 + random.nextInt(100))
                                    + " AND NOT later");
                        }
                    }
                }
                PostgresXidSnapshot xids = PostgresXidSnapshot.parse(first.xids().toString());
                int checked = 0;
                try (ExportedSnapshot second = new TransactionSnapshotExporter().export(connections, false);
                        Connection c = pg.connect()) {
                    c.setAutoCommit(false);
                    c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
                    try (Statement st = c.createStatement()) {
                        st.execute("SET TRANSACTION SNAPSHOT '" + second.id() + "'");
                        try (ResultSet rs = st.executeQuery("SELECT v, later, xmin::text::bigint FROM k")) {
                            while (rs.next()) {
                                assertThat(xids.sawCommitted(rs.getLong(3))).as("row " + rs.getInt(1))
                                        .isEqualTo(!rs.getBoolean(2));
                                checked++;
                            }
                        }
                    }
                    c.rollback();
                }
                assertThat(checked).isGreaterThan(100);
            } finally {
                pg.execute("SELECT pg_drop_replication_slot('" + slot + "')");
            }
        }
    }
}
