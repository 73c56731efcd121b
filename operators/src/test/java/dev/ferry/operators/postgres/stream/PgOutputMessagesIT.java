package dev.ferry.operators.postgres.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.operators.postgres.PostgresConnections;
import dev.ferry.operators.postgres.setup.PostgresCatalog.SourceTable;
import dev.ferry.operators.postgres.setup.PostgresCatalog;
import dev.ferry.operators.postgres.stream.PgOutputMessage.Begin;
import dev.ferry.operators.postgres.stream.PgOutputMessage.Commit;
import dev.ferry.operators.postgres.stream.PgOutputMessage.Delete;
import dev.ferry.operators.postgres.stream.PgOutputMessage.Insert;
import dev.ferry.operators.postgres.stream.PgOutputMessage.Relation;
import dev.ferry.operators.postgres.stream.PgOutputMessage.Truncate;
import dev.ferry.operators.postgres.stream.PgOutputMessage.Update;
import dev.ferry.state.record.ChangeRecord.Kind;
import dev.ferry.state.record.ChangeRecord;
import dev.ferry.state.record.ChangeVersions;
import dev.ferry.state.record.SchemaChanged;
import dev.ferry.state.record.TableReloaded;
import dev.ferry.state.record.TableReloading;
import dev.ferry.state.schema.TableSchema;
import dev.ferry.state.spec.PipeSpec;
import dev.ferry.state.spec.PipeSpecParser;
import dev.ferry.state.spec.TableSpec;
import dev.ferry.testing.PostgresTestDatabase;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.replication.LogSequenceNumber;

/**
 * Real pgoutput messages, taken from a slot on the local Postgres with
 * {@code pg_logical_slot_peek_binary_changes} under the stream's session settings, decoded and
 * mapped to change records.
 */
class PgOutputMessagesIT {
    private PostgresTestDatabase pg;
    private PostgresConnections connections;

    /** A message and the position Postgres logged it at. */
    private record Logged(long lsn, PgOutputMessage message) {}

    @BeforeEach
    void database() {
        pg = new PostgresTestDatabase("pgoutput");
        PipeSpec spec = PipeSpecParser.parse("name: msgs\n" + pg.sourceYaml()
                + "destination: {url: 'http://127.0.0.1:1', database: d}\ntables: [t]\n", Map.of());
        connections = new PostgresConnections(spec.name(), spec.source());
        pg.execute("CREATE TABLE t (id int PRIMARY KEY, name text, big text, n numeric, a int[], d date)",
                "CREATE PUBLICATION p FOR TABLE t",
                "SELECT pg_create_logical_replication_slot('s_' || current_database(), 'pgoutput')");
    }

    @AfterEach
    void drop() {
        pg.close();
    }

    @Test
    void insertUpdateDeleteTruncateAsLogged() throws Exception {
        pg.execute("INSERT INTO t VALUES (1, 'a', NULL, 'Infinity', '{{1,2},{3,NULL}}', '-infinity')",
                "INSERT INTO t VALUES (2, 'b', 'small', 'NaN', '{}', '0044-03-15 BC')",
                "UPDATE t SET name = 'b2' WHERE id = 2",
                "UPDATE t SET id = 3 WHERE id = 2",
                "DELETE FROM t WHERE id = 1",
                "TRUNCATE t");
        List<Logged> logged = peek();
        List<PgOutputMessage> messages = logged.stream().map(Logged::message).toList();
        assertThat(messages).hasOnlyElementsOfTypes(Begin.class, Commit.class, Relation.class, Insert.class,
                Update.class, Delete.class, Truncate.class);
        Relation relation = (Relation) messages.stream().filter(m -> m instanceof Relation).findFirst().orElseThrow();
        assertThat(relation.namespace()).isEqualTo("public");
        assertThat(relation.name()).isEqualTo("t");
        assertThat(relation.replicaIdentity()).isEqualTo('d');
        assertThat(relation.columns()).extracting(PgOutputMessage.RelationColumn::name)
                .containsExactly("id", "name", "big", "n", "a", "d");
        assertThat(relation.columns().get(0).key()).isTrue();
        assertThat(relation.columns().get(1).key()).isFalse();

        Insert first = (Insert) messages.stream().filter(m -> m instanceof Insert).findFirst().orElseThrow();
        assertThat(first.row().values()).containsExactly("1", "a", null, "Infinity", "{{1,2},{3,NULL}}", "-infinity");
        List<Update> updates = messages.stream().filter(m -> m instanceof Update).map(m -> (Update) m).toList();
        assertThat(updates).hasSize(2);
        assertThat(updates.get(0).old()).isNull(); // default identity, key unchanged
        assertThat(updates.get(1).oldKind()).isEqualTo('K');
        assertThat(updates.get(1).old().values()[0]).isEqualTo("2");
        Delete delete = (Delete) messages.stream().filter(m -> m instanceof Delete).findFirst().orElseThrow();
        assertThat(delete.oldKind()).isEqualTo('K');
        assertThat(delete.old().values()).containsExactly("1", null, null, null, null, null);
        Truncate truncate = (Truncate) messages.get(messages.size() - 2);
        assertThat(truncate.relations()).containsExactly(relation.oid());
        Commit commit = (Commit) messages.get(messages.size() - 1);
        assertThat(commit.endLsn()).isGreaterThan(commit.commitLsn());

        List<ChangeRecord> records = map(logged);
        assertThat(records).extracting(ChangeRecord::kind)
                .containsExactly(Kind.INSERT, Kind.INSERT, Kind.UPDATE, Kind.DELETE, Kind.INSERT, Kind.DELETE);
        ChangeRecord one = records.get(0);
        assertThat(one.values()).containsExactly(1L, "a", null, "Infinity", new Object[] {1L, 2L, 3L, null},
                Integer.MIN_VALUE);
        assertThat(records.get(1).values()[5]).isEqualTo((int) java.time.LocalDate.of(-43, 3, 15).toEpochDay());
        // versions are each change's own position, above every snapshot version
        Logged firstInsert = logged.stream().filter(l -> l.message() instanceof Insert).findFirst().orElseThrow();
        assertThat(one.version()).isEqualTo(ChangeVersions.change(firstInsert.lsn()));
        // the key change: the old key deleted and the new one inserted at the same position
        assertThat(records.get(3).values()[0]).isEqualTo(2L);
        assertThat(records.get(4).values()[0]).isEqualTo(3L);
        assertThat(records.get(3).version()).isEqualTo(records.get(4).version());
        assertThat(records.get(5).values()).containsExactly(1L, null, null, null, null, null);
    }

    @Test
    void unchangedToastIsTakenFromTheOldRowWhenTheTableLogsIt() throws Exception {
        pg.execute("ALTER TABLE t REPLICA IDENTITY FULL",
                "INSERT INTO t VALUES (1, 'a', repeat(md5('y'), 10000), 1.5, NULL, NULL)",
                "UPDATE t SET n = 2.5 WHERE id = 1");
        List<ChangeRecord> records = map(peek());
        ChangeRecord update = records.get(records.size() - 1);
        assertThat(update.kind()).isEqualTo(Kind.UPDATE);
        assertThat(update.values()[2]).isEqualTo(md5Repeated("y"));
        assertThat(update.values()[3]).isEqualTo("2.5");
    }

    @Test
    void unchangedToastWithoutTheOldRowIsReadBackFromTheTable() throws Exception {
        pg.execute("INSERT INTO t VALUES (1, 'a', repeat(md5('y'), 10000), 1.5, NULL, NULL)",
                "UPDATE t SET n = 2.5 WHERE id = 1");
        List<Logged> logged = peek();
        Update update = (Update) logged.stream().map(Logged::message).filter(m -> m instanceof Update).findFirst()
                .orElseThrow();
        assertThat(update.old()).isNull();
        assertThat(update.row().unchanged(2)).isTrue(); // the TOASTed value was not logged
        List<ChangeRecord> records = map(logged);
        assertThat(records.get(records.size() - 1).values()[2]).isEqualTo(md5Repeated("y"));
        assertThat(records.get(records.size() - 1).values()[3]).isEqualTo("2.5");
    }

    @Test
    void addedColumnsAreAnnouncedBeforeTheRowsThatCarryThem() throws Exception {
        SourceTable before = table();
        pg.execute("INSERT INTO t (id) VALUES (1)", "ALTER TABLE t ADD COLUMN extra int DEFAULT 7",
                "INSERT INTO t (id) VALUES (2)");
        List<ChangeRecord> records = map(peek(), before);
        assertThat(records).extracting(ChangeRecord::kind).containsExactly(Kind.INSERT, Kind.MARKER, Kind.INSERT);
        SchemaChanged changed = (SchemaChanged) records.get(1).marker();
        assertThat(changed.schema().columnNames()).endsWith("extra");
        assertThat(records.get(2).values()).hasSize(7);
        assertThat(records.get(2).values()[6]).isEqualTo(7L);
    }

    /** An explicit NULL is NULL, whatever the column's default (the stream carries no defaults). */
    @Test
    void explicitNullInAColumnWithADefaultStaysNull() throws Exception {
        pg.execute("ALTER TABLE t ALTER COLUMN name SET DEFAULT 'seven'");
        pg.execute("INSERT INTO t (id, name) VALUES (1, NULL)", "INSERT INTO t (id) VALUES (2)",
                "UPDATE t SET name = NULL WHERE id = 2");
        List<ChangeRecord> records = map(peek());
        assertThat(records).extracting(r -> r.values()[1]).containsExactly(null, "seven", null);
    }

    /** Started after the column was added (a restart), rows logged before it do not mark it dropped. */
    @Test
    void rowsLoggedBeforeAnAddedColumnDoNotDropIt() throws Exception {
        pg.execute("INSERT INTO t (id) VALUES (1)", "ALTER TABLE t ADD COLUMN extra int DEFAULT 7",
                "INSERT INTO t (id) VALUES (2)");
        List<ChangeRecord> records = map(peek(), table());
        assertThat(records).extracting(ChangeRecord::kind).containsExactly(Kind.INSERT, Kind.INSERT);
        assertThat(records.get(1).values()[6]).isEqualTo(7L);
    }

    /**
     * A type change Postgres applied by rewriting every row (here with new values) makes the table be
     * copied again: the marker with the new columns, then the copy; the rows logged by transactions the
     * copy saw are skipped, old and new shape alike, and later ones follow the copy.
     */
    @Test
    void aColumnTypeChangeCopiesTheTableAgain() throws Exception {
        SourceTable before = table();
        pg.execute("INSERT INTO t (id, name) VALUES (1, 'a'), (2, 'b')",
                "ALTER TABLE t ALTER COLUMN id TYPE bigint USING id * 2500000000",
                "INSERT INTO t (id, name) VALUES (3, 'c')");
        List<Logged> logged = peek();
        List<ChangeRecord> records = map(logged, before);
        assertThat(records).hasSize(5);
        TableReloading reloading = (TableReloading) records.get(0).marker();
        assertThat(reloading.reason()).isEqualTo("column id changed type from int4 to int8");
        assertThat(reloading.schema().columns().get(0).sourceType()).isEqualTo("int8");
        assertThat(records.subList(1, 4)).extracting(ChangeRecord::kind).containsOnly(Kind.SNAPSHOT);
        assertThat(records.subList(1, 4)).extracting(r -> r.values()[0])
                .containsExactlyInAnyOrder(2_500_000_000L, 5_000_000_000L, 3L);
        assertThat(((TableReloaded) records.get(4).marker()).rows()).isEqualTo(3);

        pg.execute("UPDATE t SET name = 'd' WHERE id = 3");
        List<ChangeRecord> after = map(peek(), table());
        assertThat(after.get(after.size() - 1).kind()).isEqualTo(Kind.UPDATE);
        assertThat(after.get(after.size() - 1).values()[0]).isEqualTo(3L);
    }

    /**
     * A type change whose USING rewrites values while ClickHouse keeps the column's type is found by
     * the rewrite (new files, the column's catalog row written): copied again. A rewrite that
     * redefines no column (VACUUM FULL) and a change that rewrites nothing (varchar widened) are not.
     */
    @Test
    void aRewriteThatKeepsTheClickHouseTypeCopiesTheTableAgain() throws Exception {
        pg.execute("ALTER TABLE t ALTER COLUMN name TYPE varchar(10)", "INSERT INTO t (id, name) VALUES (1, ' a '), (2, 'b ')");
        advance();
        String[] harmless = {"VACUUM FULL t", "ALTER TABLE t ALTER COLUMN name TYPE varchar(20)"};
        for (int n = 0; n < harmless.length; n++) {
            SourceTable before = table();
            Map<String, PostgresTableStorage> seen = Map.of("public.t", storage());
            pg.execute(harmless[n], "INSERT INTO t (id, name) VALUES (" + (3 + n) + ", 'c')");
            assertThat(map(peek(), before, seen)).as(harmless[n]).extracting(ChangeRecord::kind).containsExactly(Kind.INSERT);
            advance();
        }
        SourceTable before = table();
        Map<String, PostgresTableStorage> seen = Map.of("public.t", storage());
        pg.execute("ALTER TABLE t ALTER COLUMN name TYPE varchar(20) USING upper(trim(name))",
                "INSERT INTO t (id, name) VALUES (5, 'e')");
        List<ChangeRecord> records = map(peek(), before, seen);
        TableReloading reloading = (TableReloading) records.get(0).marker();
        assertThat(reloading.reason()).startsWith("column name was redefined and every row rewritten");
        assertThat(records).filteredOn(r -> r.kind() == Kind.SNAPSHOT).extracting(r -> r.values()[1])
                .containsExactlyInAnyOrder("A", "B", "C", "C", "e");
    }

    /** A table of the pipe renamed at the source stops the pipe with the fix, instead of its rows being dropped unseen. */
    @Test
    void aRenamedTableStopsThePipeWithTheFix() throws Exception {
        SourceTable before = table();
        pg.execute("ALTER TABLE t RENAME TO t2", "INSERT INTO t2 (id) VALUES (1)");
        assertThatThrownBy(() -> map(peek(), before)).isInstanceOf(SuppressRestartsException.class)
                .rootCause().hasMessage("public.t was renamed to public.t2 at the source: rename it back, or remove"
                        + " public.t from the pipe and add public.t2");
    }

    private void advance() {
        pg.execute("SET synchronous_commit = on", "CREATE TEMP TABLE flush_wal ()", "DROP TABLE flush_wal",
                "SELECT pg_replication_slot_advance('s_' || current_database(), pg_current_wal_lsn())");
    }

    private PostgresTableStorage storage() throws Exception {
        try (Connection c = pg.connect()) {
            return PostgresTableStorage.read(c, table().oid());
        }
    }

    /** A column added, written and renamed before the stream gets there keeps its values under its new name. */
    @Test
    void aColumnAddedAndRenamedSinceKeepsItsValues() throws Exception {
        SourceTable before = table();
        pg.execute("ALTER TABLE t ADD COLUMN c7 int DEFAULT 5", "INSERT INTO t (id, c7) VALUES (1, 70)",
                "ALTER TABLE t RENAME COLUMN c7 TO r8", "INSERT INTO t (id, r8) VALUES (2, 80)");
        List<ChangeRecord> records = map(peek(), before);
        assertThat(records).extracting(ChangeRecord::kind).containsExactly(Kind.MARKER, Kind.INSERT, Kind.INSERT);
        SchemaChanged changed = (SchemaChanged) records.get(0).marker();
        assertThat(changed.schema().columnNames()).endsWith("r8");
        assertThat(records.get(1).values()[6]).isEqualTo(70L);
        assertThat(records.get(2).values()[6]).isEqualTo(80L);
    }

    /**
     * A column added, then renamed while rows logged under its first name (beside another column's
     * rename) still wait in the slot: those rows keep their values under its latest name, also when the
     * stream restarts between the relation that first named it and the rows after.
     */
    @Test
    void rowsLoggedUnderAColumnsFormerNameKeepTheirValues() throws Exception {
        SourceTable before = table();
        pg.execute("ALTER TABLE t ADD COLUMN c7 int NOT NULL DEFAULT -14141", "INSERT INTO t (id, c7) VALUES (1, 70)",
                "ALTER TABLE t RENAME COLUMN name TO r_name", "UPDATE t SET c7 = 71 WHERE id = 1",
                "ALTER TABLE t RENAME COLUMN c7 TO r9");
        List<Logged> logged = peek();
        List<ChangeRecord> records = map(logged, before);
        assertThat(records.stream().filter(r -> r.kind() != Kind.MARKER).map(r -> r.values()[6]))
                .containsExactly(70L, 71L);

        int second = 0;
        for (int i = 0, begins = 0; i < logged.size() && second == 0; i++) {
            if (logged.get(i).message() instanceof Begin && ++begins == 2) {
                second = i;
            }
        }
        List<ChangeRecord> first = new ArrayList<>();
        PgOutputChangeMapper stopped = stream(logged.subList(0, second), before, Map.of(), Map.of(), Map.of(), first);
        List<ChangeRecord> resumed = new ArrayList<>();
        stream(logged.subList(second, logged.size()), before, Map.of("public.t", stopped.schema("public.t")),
                stopped.storage(), stopped.loggedNames(), resumed);
        assertThat(resumed.stream().filter(r -> r.kind() != Kind.MARKER).map(r -> r.values()[6])).containsExactly(71L);
        assertThat(((SchemaChanged) resumed.get(resumed.size() - 2).marker()).schema().columnNames())
                .containsExactly("id", "r_name", "big", "n", "a", "d", "r9");
    }

    @Test
    void incompatibilityNamesTheChange() throws Exception {
        TableSchema known = table().schema();
        pg.execute("ALTER TABLE t ADD COLUMN at timestamptz DEFAULT clock_timestamp()");
        assertThat(PgOutputChangeMapper.incompatibility(known, table().schema(), Set.of("at")))
                .isEqualTo("column at was added with values Postgres computed for every row without logging them");
        assertThat(PgOutputChangeMapper.incompatibility(known, table().schema(), Set.of())).isNull();
        pg.execute("ALTER TABLE t RENAME COLUMN id TO ident");
        assertThat(PgOutputChangeMapper.incompatibility(known, table().schema(), Set.of()))
                .isEqualTo("its key changed from (id) to (ident)");
        pg.execute("ALTER TABLE t RENAME COLUMN ident TO id", "ALTER TABLE t ALTER COLUMN n TYPE numeric(10, 2)");
        assertThat(PgOutputChangeMapper.incompatibility(known, table().schema(), Set.of()))
                .startsWith("column n changed type from numeric ").endsWith(" to numeric DECIMAL(10,2)");
    }

    private String md5Repeated(String s) throws Exception {
        try (Connection c = pg.connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT repeat(md5('" + s + "'), 10000)")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private List<Logged> peek() throws Exception {
        List<Logged> out = new ArrayList<>();
        try (Connection c = pg.connect(); Statement st = c.createStatement()) {
            st.execute(PostgresConnections.TEXT_FORMS);
            // Decoding reads only flushed WAL, and the local server commits asynchronously: a synchronous commit flushes it.
            st.execute("SET synchronous_commit = on; CREATE TEMP TABLE flush_wal (); DROP TABLE flush_wal");
            try (ResultSet rs = st.executeQuery("SELECT lsn::text, data FROM pg_logical_slot_peek_binary_changes("
                    + "'s_' || current_database(), NULL, NULL, 'proto_version', '1', 'publication_names', 'p')")) {
                while (rs.next()) {
                    out.add(new Logged(LogSequenceNumber.valueOf(rs.getString(1)).asLong(),
                            PgOutputDecoder.decode(ByteBuffer.wrap(rs.getBytes(2)))));
                }
            }
        }
        return out;
    }

    private SourceTable table() throws Exception {
        try (Connection c = pg.connect()) {
            return PostgresCatalog.read(c, new TableSpec("public", "t", "t"), true);
        }
    }

    private List<ChangeRecord> map(List<Logged> logged) throws Exception {
        return map(logged, table());
    }

    private List<ChangeRecord> map(List<Logged> logged, SourceTable table) throws Exception {
        return map(logged, table, Map.of());
    }

    /** Maps with the stream knowing the table as {@code table} and its storage as {@code seen}. */
    private List<ChangeRecord> map(List<Logged> logged, SourceTable table, Map<String, PostgresTableStorage> seen)
            throws Exception {
        List<ChangeRecord> out = new ArrayList<>();
        stream(logged, table, Map.of(), seen, Map.of(), out);
        return out;
    }

    /**
     * Maps as a stream that starts with the checkpointed {@code sent} schemas, {@code seen} storage and
     * {@code loggedNames}, into {@code out}; returns the mapper, closed, to read its state.
     */
    private PgOutputChangeMapper stream(List<Logged> logged, SourceTable table, Map<String, TableSchema> sent,
            Map<String, PostgresTableStorage> seen, Map<String, Map<String, Integer>> loggedNames,
            List<ChangeRecord> out) throws Exception {
        PostgresTableReloads reloads = new PostgresTableReloads(connections, List.of(table));
        PgOutputChangeMapper mapper = new PgOutputChangeMapper(connections, List.of(table), sent, seen, loggedNames,
                reloads, true);
        for (Logged l : logged) {
            long version = ChangeVersions.change(l.lsn());
            if (l.message() instanceof Begin b) {
                mapper.begin(b.finalLsn(), Integer.toUnsignedLong(b.xid()));
            } else if (l.message() instanceof Commit) {
                while (reloads.copying()) {
                    reloads.step(out::add, mapper::schema);
                }
            } else if (l.message() instanceof Relation r) {
                mapper.relation(r, out::add);
            } else if (l.message() instanceof Insert i) {
                mapper.insert(i, version, 0, out::add);
            } else if (l.message() instanceof Update u) {
                mapper.update(u, version, 0, out::add);
            } else if (l.message() instanceof Delete d) {
                mapper.delete(d, version, 0, out::add);
            }
        }
        mapper.completeRows();
        mapper.close();
        reloads.close();
        return mapper;
    }
}
