package dev.ferry.operators.postgres.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.operators.load.LoadEnumeratorState;
import dev.ferry.operators.load.LoadEnumeratorStateSerializer;
import dev.ferry.operators.load.LoadEvents.PartitionFinished;
import dev.ferry.operators.load.LoadEvents.PartitionsHeld;
import dev.ferry.operators.postgres.TransactionSnapshotExporter;
import dev.ferry.operators.postgres.setup.PostgresCatalog.SourceTable;
import dev.ferry.operators.postgres.setup.PostgresCatalog;
import dev.ferry.operators.postgres.snapshot.SnapshotEvents.SnapshotGrant;
import dev.ferry.operators.postgres.snapshot.SnapshotEvents.SnapshotRequest;
import dev.ferry.state.spec.PipeSpec;
import dev.ferry.state.spec.PipeSpecParser;
import dev.ferry.state.spec.TableSpec;
import dev.ferry.testing.PostgresTestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.connector.source.ReaderInfo;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitsAssignment;
import org.apache.flink.api.connector.source.mocks.MockSplitEnumeratorContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The enumerator's scheduling, snapshot export and recovery, against a real Postgres. */
class CtidSnapshotEnumeratorIT {
    private static PostgresTestDatabase pg;
    private static List<SourceTable> tables;

    @BeforeAll
    static void tables() throws Exception {
        pg = new PostgresTestDatabase("enum");
        pg.execute("CREATE TABLE a (id int PRIMARY KEY, pad text)",
                "INSERT INTO a SELECT g, repeat('x', 200) FROM generate_series(1, 3000) g",
                "CREATE TABLE b (id int PRIMARY KEY)",
                "INSERT INTO b SELECT generate_series(1, 10)",
                "ANALYZE a", "ANALYZE b");
        tables = new ArrayList<>();
        try (Connection c = pg.connect()) {
            tables.add(PostgresCatalog.read(c, new TableSpec("public", "a", "a"), true));
            tables.add(PostgresCatalog.read(c, new TableSpec("public", "b", "b"), true));
        }
    }

    @AfterAll
    static void drop() {
        pg.close();
    }

    private static CtidSnapshotSource source(int parallelism, int tablesInParallel) {
        PipeSpec spec = PipeSpecParser.parse("name: enum\n" + pg.sourceYaml()
                + "destination: {url: 'http://127.0.0.1:1', database: d}\ntables: [a, b]\n"
                + "settings: {replication_mode: snapshot, snapshot_num_rows_per_partition: 500,"
                + " initial_load_parallelism: " + parallelism + ", snapshot_number_of_parallel_tables: "
                + tablesInParallel + "}", Map.of());
        return new CtidSnapshotSource(spec, tables, new TransactionSnapshotExporter());
    }

    /** A checkpoint while a table is being planned keeps the table: a restore plans it again. */
    @Test
    void aCheckpointDuringPlanningKeepsTheTable() throws Throwable {
        CtidSnapshotSource source = source(1, 1);
        try (MockSplitEnumeratorContext<CtidPartition> ctx = new MockSplitEnumeratorContext<>(1)) {
            SplitEnumerator<CtidPartition, LoadEnumeratorState<CtidPartition>> e = source.createEnumerator(ctx);
            ctx.registerReader(new ReaderInfo(0, "localhost"));
            e.start();
            assertThat(ctx.getOneTimeCallables()).hasSize(1); // planning a, not finished
            LoadEnumeratorState<CtidPartition> during = e.snapshotState(1);
            assertThat(during.unplannedTables()).containsExactly("public.a", "public.b");
            assertThat(during.pending()).isEmpty();
        }
    }

    @Test
    void honoursPerTableParallelismAndTablesInParallel() throws Throwable {
        CtidSnapshotSource source = source(2, 1);
        assertThat(source.readers()).isEqualTo(2);
        try (MockSplitEnumeratorContext<CtidPartition> ctx = new MockSplitEnumeratorContext<>(4)) {
            SplitEnumerator<CtidPartition, LoadEnumeratorState<CtidPartition>> e = source.createEnumerator(ctx);
            for (int r = 0; r < 4; r++) {
                ctx.registerReader(new ReaderInfo(r, "localhost"));
            }
            e.start();
            assertThat(ctx.getOneTimeCallables()).hasSize(1); // only table a is planned: one table at a time
            ctx.runNextOneTimeCallable();
            for (int r = 0; r < 4; r++) {
                e.handleSplitRequest(r, "localhost");
            }
            List<CtidPartition> assigned = assignments(ctx);
            assertThat(assigned).hasSize(2).allMatch(p -> p.table().equals("public.a"));
            int partitionsOfA = assigned.get(0).count();
            assertThat(partitionsOfA).isGreaterThan(4);

            // Finishing one lets the next waiting reader take one more of a; b waits until a is done.
            int next = 2;
            List<CtidPartition> out = new ArrayList<>(assigned);
            int finishedA = 0;
            while (finishedA < partitionsOfA) {
                CtidPartition done = out.remove(0);
                e.handleSourceEvent(0, new PartitionFinished<>(done));
                finishedA++;
                e.handleSplitRequest(next++ % 4, "localhost");
                if (!ctx.getOneTimeCallables().isEmpty()) {
                    ctx.runNextOneTimeCallable(); // planning b once a has no partitions left to hand out
                }
                List<CtidPartition> now = assignments(ctx);
                out.addAll(now.subList(assigned.size(), now.size()));
                assigned = now;
                long outOfA = out.stream().filter(p -> p.table().equals("public.a")).count();
                assertThat(outOfA).isLessThanOrEqualTo(2);
            }
            assertThat(assigned).filteredOn(p -> p.table().equals("public.a")).hasSize(partitionsOfA)
                    .extracting(CtidPartition::index).doesNotHaveDuplicates();
            assertThat(assigned).anyMatch(p -> p.table().equals("public.b"));
        }
    }

    @Test
    void snapshotGrantIsImportableAndStateRoundTrips() throws Throwable {
        CtidSnapshotSource source = source(2, 2);
        try (MockSplitEnumeratorContext<CtidPartition> ctx = new MockSplitEnumeratorContext<>(2)) {
            SplitEnumerator<CtidPartition, LoadEnumeratorState<CtidPartition>> e = source.createEnumerator(ctx);
            ctx.registerReader(new ReaderInfo(0, "localhost"));
            e.start();
            ctx.runNextOneTimeCallable();
            ctx.runNextOneTimeCallable();
            e.handleSplitRequest(0, "localhost");
            e.handleSourceEvent(0, new SnapshotRequest());
            ctx.runNextOneTimeCallable();
            SnapshotGrant grant = (SnapshotGrant) ctx.getSentSourceEvent().get(0).get(0);
            assertThat(grant.version()).isPositive();
            try (Connection c = pg.connect()) {
                c.setAutoCommit(false);
                c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
                try (Statement st = c.createStatement()) {
                    st.execute("SET TRANSACTION SNAPSHOT '" + grant.snapshotId() + "'");
                    try (ResultSet rs = st.executeQuery("SELECT count(*) FROM a")) {
                        rs.next();
                        assertThat(rs.getLong(1)).isEqualTo(3000);
                    }
                }
                c.rollback();
            }

            LoadEnumeratorState<CtidPartition> state = e.snapshotState(1);
            CtidPartition handedOut = assignments(ctx).get(0);
            assertThat(state.unfinished()).contains(handedOut.splitId());
            assertThat(state.pending()).doesNotContain(handedOut);
            assertThat(state.point()).isNotNull();
            LoadEnumeratorStateSerializer<CtidPartition> s = new LoadEnumeratorStateSerializer<>(CtidPartitionSerializer.INSTANCE);
            assertThat(s.deserialize(s.getVersion(), s.serialize(state))).isEqualTo(state);

            // A reader failed after the checkpoint: its partition comes back and is handed out again.
            e.handleSourceEvent(0, new PartitionFinished<>(handedOut));
            e.addSplitsBack(List.of(handedOut), 0);
            e.handleSplitRequest(0, "localhost");
            List<CtidPartition> all = assignments(ctx);
            assertThat(all.get(all.size() - 1)).isEqualTo(handedOut);
            e.close();
        }
    }

    @Test
    void signalsNoMoreSplitsOnlyWhenEverythingIsHandedOut() throws Throwable {
        CtidSnapshotSource source = source(1, 2);
        try (MockSplitEnumeratorContext<CtidPartition> ctx = new MockSplitEnumeratorContext<>(1)) {
            SplitEnumerator<CtidPartition, LoadEnumeratorState<CtidPartition>> e = source.createEnumerator(ctx);
            ctx.registerReader(new ReaderInfo(0, "localhost"));
            e.start();
            ctx.runNextOneTimeCallable();
            ctx.runNextOneTimeCallable();
            int handed = 0;
            while (!ctx.hasNoMoreSplits(0)) {
                e.handleSplitRequest(0, "localhost");
                List<CtidPartition> all = assignments(ctx);
                if (all.size() > handed) {
                    e.handleSourceEvent(0, new PartitionFinished<>(all.get(all.size() - 1)));
                    handed = all.size();
                }
                assertThat(handed).isLessThan(100);
            }
            List<CtidPartition> all = assignments(ctx);
            assertThat(all).filteredOn(p -> p.table().equals("public.b")).hasSize(1);
            assertThat(all.stream().filter(p -> p.table().equals("public.a")).count())
                    .isEqualTo(all.stream().filter(p -> p.table().equals("public.a")).findFirst().orElseThrow().count());
        }
    }

    /**
     * Restored from a checkpoint, the enumerator waits for every reader to say which partitions it
     * restored. One it had handed out that no reader holds was finished between the enumerator's
     * snapshot and the reader's (its rows are in the checkpoint): the load goes on without it. One a
     * reader holds still counts toward its table's parallelism.
     */
    @Test
    void afterARestoreHandedOutPartitionsNoReaderHoldsWereFinished() throws Throwable {
        CtidSnapshotSource source = source(1, 1);
        LoadEnumeratorState<CtidPartition> state;
        CtidPartition first;
        try (MockSplitEnumeratorContext<CtidPartition> ctx = new MockSplitEnumeratorContext<>(1)) {
            SplitEnumerator<CtidPartition, LoadEnumeratorState<CtidPartition>> e = source.createEnumerator(ctx);
            ctx.registerReader(new ReaderInfo(0, "localhost"));
            e.start();
            ctx.runNextOneTimeCallable();
            e.handleSplitRequest(0, "localhost");
            first = assignments(ctx).get(0);
            state = e.snapshotState(1);
        }

        try (MockSplitEnumeratorContext<CtidPartition> ctx = new MockSplitEnumeratorContext<>(1)) {
            SplitEnumerator<CtidPartition, LoadEnumeratorState<CtidPartition>> e = source.restoreEnumerator(ctx, state);
            ctx.registerReader(new ReaderInfo(0, "localhost"));
            e.start();
            e.handleSplitRequest(0, "localhost");
            assertThat(assignments(ctx)).as("nothing is handed out before the reader reports").isEmpty();
            e.handleSourceEvent(0, new PartitionsHeld(List.of()));
            int handed = 0;
            for (int round = 0; !ctx.hasNoMoreSplits(0); round++) {
                assertThat(round).as("the load reaches its end").isLessThan(100);
                if (!ctx.getOneTimeCallables().isEmpty()) {
                    ctx.runNextOneTimeCallable();
                }
                e.handleSplitRequest(0, "localhost");
                List<CtidPartition> all = assignments(ctx);
                if (all.size() > handed) {
                    e.handleSourceEvent(0, new PartitionFinished<>(all.get(all.size() - 1)));
                    handed = all.size();
                }
            }
            List<CtidPartition> all = assignments(ctx);
            assertThat(all).extracting(CtidPartition::splitId).doesNotContain(first.splitId()).doesNotHaveDuplicates();
            assertThat(all).filteredOn(p -> p.table().equals("public.a")).hasSize(first.count() - 1);
            assertThat(all).filteredOn(p -> p.table().equals("public.b")).hasSize(1);
        }

        try (MockSplitEnumeratorContext<CtidPartition> ctx = new MockSplitEnumeratorContext<>(1)) {
            SplitEnumerator<CtidPartition, LoadEnumeratorState<CtidPartition>> e = source.restoreEnumerator(ctx, state);
            ctx.registerReader(new ReaderInfo(0, "localhost"));
            e.start();
            e.handleSourceEvent(0, new PartitionsHeld(List.of(first.splitId())));
            e.handleSplitRequest(0, "localhost");
            assertThat(assignments(ctx)).as("the held partition uses the table's parallelism of 1").isEmpty();
            e.handleSourceEvent(0, new PartitionFinished<>(first));
            assertThat(assignments(ctx)).hasSize(1);
        }
    }

    /**
     * A snapshot-only load restored under a new snapshot reads the table it was in the middle of again,
     * whole, under a new plan: nothing brings the rows changed in between. The grant names the new plan,
     * so readers skip the old plan's partitions they hold; the old plan's others are not handed out.
     */
    @Test
    void aSnapshotOnlyLoadUnderANewSnapshotStartsItsTableInProgressOver() throws Throwable {
        CtidSnapshotSource source = source(1, 1);
        LoadEnumeratorState<CtidPartition> state;
        CtidPartition held;
        try (MockSplitEnumeratorContext<CtidPartition> ctx = new MockSplitEnumeratorContext<>(1)) {
            SplitEnumerator<CtidPartition, LoadEnumeratorState<CtidPartition>> e = readingFirstPartition(source, ctx);
            e.handleSourceEvent(0, new PartitionFinished<>(assignments(ctx).get(0)));
            e.handleSplitRequest(0, "localhost");
            held = assignments(ctx).get(1);
            state = e.snapshotState(1);
            e.close();
        }

        try (MockSplitEnumeratorContext<CtidPartition> ctx = new MockSplitEnumeratorContext<>(1)) {
            SplitEnumerator<CtidPartition, LoadEnumeratorState<CtidPartition>> e = source.restoreEnumerator(ctx, state);
            ctx.registerReader(new ReaderInfo(0, "localhost"));
            e.start();
            e.handleSourceEvent(0, new PartitionsHeld(List.of(held.splitId())));
            e.handleSourceEvent(0, new SnapshotRequest());
            ctx.runNextOneTimeCallable(); // the export
            SnapshotGrant grant = (SnapshotGrant) ctx.getSentSourceEvent().get(0).get(0);
            assertThat(grant.passOf("public.a")).isEqualTo(1);
            assertThat(grant.passOf("public.b")).isZero();
            ctx.runNextOneTimeCallable(); // planning a again
            e.handleSourceEvent(0, new PartitionFinished<>(held)); // skipped by the reader
            e.handleSplitRequest(0, "localhost");
            CtidPartition next = assignments(ctx).get(0);
            assertThat(next.pass()).isEqualTo(1);
            assertThat(next.index()).isZero();
            assertThat(next.splitId()).isEqualTo("public.a#0@1");
            assertThat(e.snapshotState(2).pending()).allMatch(p -> p.pass() == 1).hasSize(next.count() - 1);
            e.close();
        }
    }

    /**
     * A reader that finds the table's files replaced has the table planned again; the news from other
     * readers about the same old plan changes nothing more. A snapshot whose session is gone (here:
     * terminated) fails the job when a reader asks for it, so that every reader restarts under a new one.
     */
    @Test
    void aRewrittenTableIsPlannedAgainAndALostSnapshotRestartsTheJob() throws Throwable {
        CtidSnapshotSource source = source(1, 1);
        try (MockSplitEnumeratorContext<CtidPartition> ctx = new MockSplitEnumeratorContext<>(1)) {
            SplitEnumerator<CtidPartition, LoadEnumeratorState<CtidPartition>> e = readingFirstPartition(source, ctx);
            SnapshotGrant first = (SnapshotGrant) ctx.getSentSourceEvent().get(0).get(0);
            CtidPartition out = assignments(ctx).get(0);
            assertThat(out.files()).isPositive();

            e.handleSourceEvent(0, new SnapshotEvents.TableRewritten("public.a", 0));
            assertThat(ctx.getOneTimeCallables()).hasSize(1);
            e.handleSourceEvent(0, new SnapshotEvents.TableRewritten("public.a", 0));
            assertThat(ctx.getOneTimeCallables()).hasSize(1);
            ctx.runNextOneTimeCallable();
            assertThat(e.snapshotState(1).pending()).isNotEmpty().allMatch(p -> p.pass() == 1);
            assertThat(e.snapshotState(1).unfinished()).contains(out.splitId());

            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                st.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database()"
                        + " AND pid <> pg_backend_pid() AND state = 'idle in transaction'");
            }
            // Readers may still read under the lost snapshot: the job restarts, all of them with it.
            e.handleSourceEvent(0, new SnapshotRequest());
            assertThatThrownBy(ctx::runNextOneTimeCallable).hasStackTraceContaining(first.snapshotId() + " is gone");
            e.close();
        }
    }

    /** A started load with its first table planned and reader 0 given a partition and the snapshot. */
    private static SplitEnumerator<CtidPartition, LoadEnumeratorState<CtidPartition>> readingFirstPartition(
            CtidSnapshotSource source, MockSplitEnumeratorContext<CtidPartition> ctx) throws Throwable {
        SplitEnumerator<CtidPartition, LoadEnumeratorState<CtidPartition>> e = source.createEnumerator(ctx);
        ctx.registerReader(new ReaderInfo(0, "localhost"));
        e.start();
        ctx.runNextOneTimeCallable();
        e.handleSplitRequest(0, "localhost");
        e.handleSourceEvent(0, new SnapshotRequest());
        ctx.runNextOneTimeCallable();
        return e;
    }

    private static List<CtidPartition> assignments(MockSplitEnumeratorContext<CtidPartition> ctx) {
        List<CtidPartition> out = new ArrayList<>();
        for (SplitsAssignment<CtidPartition> a : ctx.getSplitsAssignmentSequence()) {
            a.assignment().values().forEach(out::addAll);
        }
        return out;
    }
}
