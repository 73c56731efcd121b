package dev.ferry.operators.postgres.stream;

import dev.ferry.operators.postgres.PostgresConnections;
import dev.ferry.operators.postgres.PostgresTextValues;
import dev.ferry.operators.postgres.setup.PostgresCatalog.SourceTable;
import dev.ferry.operators.postgres.setup.PostgresCatalog;
import dev.ferry.operators.postgres.stream.PgOutputMessage.Delete;
import dev.ferry.operators.postgres.stream.PgOutputMessage.Insert;
import dev.ferry.operators.postgres.stream.PgOutputMessage.Relation;
import dev.ferry.operators.postgres.stream.PgOutputMessage.RelationColumn;
import dev.ferry.operators.postgres.stream.PgOutputMessage.Truncate;
import dev.ferry.operators.postgres.stream.PgOutputMessage.Tuple;
import dev.ferry.operators.postgres.stream.PgOutputMessage.Update;
import dev.ferry.state.record.ChangeRecord;
import dev.ferry.state.record.ChangeVersions;
import dev.ferry.state.record.SchemaChanged;
import dev.ferry.state.record.Truncated;
import dev.ferry.state.schema.ColumnSchema;
import dev.ferry.state.schema.ColumnType;
import dev.ferry.state.schema.TableSchema;
import dev.ferry.state.spec.DestinationTable;
import dev.ferry.state.spec.TableSpec;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.postgresql.replication.LogSequenceNumber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns decoded pgoutput row messages into {@link ChangeRecord}s: inserts, updates and deletes (a
 * change of the key arrives as a delete of the old key and an insert of the new), each versioned
 * from its own position in the WAL (see {@link ChangeVersions}), every value parsed from Postgres'
 * text form by {@link PostgresTextValues}.
 *
 * <p>Schema changes: each Relation message gives the columns the rows after it were logged with.
 * When they differ from the known columns, the table is read again from the catalog and a
 * {@link SchemaChanged} marker goes out before the rows. New columns are appended; a dropped column
 * stays in the destination (new rows hold NULL or the default there); a renamed column (the same
 * attnum under a new name) is renamed; dropping NOT NULL makes the column Nullable. A change the
 * destination cannot follow in place ({@link #incompatibility}: a column's type, the key, a column
 * whose existing rows Postgres filled without logging them; or a rewrite that redefined a column,
 * {@link PostgresTableStorage}) makes the table be copied again ({@link PostgresTableReloads}), or,
 * with {@code incompatible_schema_change: fail}, fails the pipe with the cause. A table renamed at
 * the source fails the pipe (its rows would arrive under a name the pipe does not follow). A
 * TRUNCATE goes out as a {@link Truncated} marker.
 *
 * <p>Tables without a key ({@link SourceTable#positionKeyed()}): each inserted row is named by its
 * WAL position and its order among the rows logged at that position (a multi-row insert logs several
 * at one), which a replay of the transaction gives again. Postgres refuses UPDATE and DELETE on such a
 * table unless its replica identity is FULL; then the whole old row is logged and goes out as a
 * DELETE without a key (the writer removes one destination row with that content), and an UPDATE's
 * new row as an insert named like any other.
 */
final class PgOutputChangeMapper {
    private static final Logger LOG = LoggerFactory.getLogger(PgOutputChangeMapper.class);
    static final long CATALOG_LOOK_MILLIS = 10_000;
    /** Columns (number, type, name), storage and key indexes: what a retype, rename, rewrite or new key changes. */
    private static final String CATALOG_SHAPES_SQL = """
            SELECT c.oid, concat_ws('|', c.relfilenode, c.relreplident,
                (SELECT string_agg(concat_ws(' ', a.attnum, a.atttypid, a.atttypmod, a.attname, a.attisdropped), ','
                        ORDER BY a.attnum)
                   FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0),
                (SELECT string_agg(concat_ws(' ', i.indexrelid, i.indkey::text, i.indisprimary, i.indisreplident), ','
                        ORDER BY i.indexrelid)
                   FROM pg_index i WHERE i.indrelid = c.oid AND (i.indisprimary OR i.indisreplident)))
            FROM pg_class c WHERE c.oid = ANY (?)""";

    /**
     * A relation of the pipe as its rows arrive: which schema column each relation column fills, and
     * the schema columns it lacks (rows logged before those were added read their fast default).
     */
    private record Binding(String table, int[] schemaIndex, int[] absent) {}

    private final PostgresConnections connections;
    private final Map<String, TableSpec> specs = new HashMap<>();
    /** Each table's oid when the job was made, which a rename keeps. */
    private final Map<Long, String> byOid = new HashMap<>();
    /** The schemas the job was made with, which the writer starts with. */
    private final Map<String, TableSchema> initial = new HashMap<>();
    private final Map<String, TableSchema> schemas = new HashMap<>();
    /** Each table's storage as last looked at, to find a rewrite that changed values unlogged. */
    private final Map<String, PostgresTableStorage> storage = new HashMap<>();
    private final PostgresTableReloads reloads;
    private final boolean reloadIncompatible;
    private final Map<Integer, Binding> relations = new HashMap<>();
    /**
     * Per table, the column names its last relation message carried, each with the attnum it stood
     * for (pgoutput sends names without numbers): a name the rows still carry after the catalog
     * renamed it means what it meant last.
     */
    private final Map<String, Map<String, Integer>> loggedNames = new HashMap<>();
    /** Per table, each column's type (oid and modifier) as the last relation message gave it. */
    private final Map<String, Map<String, List<Integer>>> loggedTypes = new HashMap<>();
    private final PostgresToastFill toast;
    /** Per table oid, its catalog entry as last looked at ({@link #watchCatalog}). */
    private Map<Long, String> catalogShapes = Map.of();
    private long nextCatalogLook;
    /** The WAL position of the last insert and how many rows were logged there before it. */
    private long lastInsertLsn = -1;
    private int rowsAtLsn;
    /** Where the transaction being mapped commits, and its id. */
    private long commitLsn;
    private long xid;

    /**
     * @param sent each table's schema as the stream last sent it, from the checkpoint (tables it
     *     lacks start with the job's)
     * @param seen each table's storage as the stream last looked, from the checkpoint
     * @param logged each table's column names as its last relation message carried them, from the checkpoint
     * @param reloadIncompatible copy a table again after a change it cannot follow, rather than fail
     */
    PgOutputChangeMapper(PostgresConnections connections, List<SourceTable> tables, Map<String, TableSchema> sent,
            Map<String, PostgresTableStorage> seen, Map<String, Map<String, Integer>> logged, PostgresTableReloads reloads,
            boolean reloadIncompatible) {
        this.connections = connections;
        this.storage.putAll(seen);
        this.loggedNames.putAll(logged);
        for (SourceTable t : tables) {
            String id = t.spec().sourceId();
            specs.put(id, t.spec());
            byOid.put(t.oid(), id);
            initial.put(id, t.schema());
            TableSchema restored = sent.getOrDefault(id, t.schema());
            // columns excluded since the checkpoint (the table's options changed) leave the stream at once
            schemas.put(id, restored.withColumns(restored.columns().stream().filter(c -> !t.spec().excludes(c.name()))
                    .toList()).withTarget(t.spec().target()));
        }
        this.toast = new PostgresToastFill(connections, specs);
        this.reloads = reloads;
        this.reloadIncompatible = reloadIncompatible;
    }

    /**
     * Before the first message: tells the writer the schemas the stream continues with where they are
     * not the job's, takes up the checkpointed reloads (a copy cut short is made again), copies the
     * {@code asked} tables ({@code askedWhy}: their initial load or a resync), and every table that
     * changed meanwhile in a way the destination cannot follow.
     */
    void start(List<TableReload> restored, List<String> asked, String askedWhy, Consumer<ChangeRecord> out)
            throws SQLException {
        for (Map.Entry<String, TableSchema> e : schemas.entrySet()) {
            if (!e.getValue().equals(initial.get(e.getKey()))) {
                out.accept(ChangeRecord.marker(e.getKey(), new SchemaChanged(e.getValue())));
            }
        }
        Set<String> reloading = new java.util.HashSet<>();
        Set<String> copyingAgain = new java.util.HashSet<>();
        for (TableReload r : restored) {
            if (!schemas.containsKey(r.table())) {
                continue; // no longer in the pipe
            }
            reloading.add(r.table());
            if (r.copied()) {
                reloads.restoreFinished(r);
            } else {
                copy(r.table(), "its copy was cut short by a restart", out);
                copyingAgain.add(r.table());
            }
        }
        for (String table : asked) {
            if (schemas.containsKey(table) && !copyingAgain.contains(table)) {
                copy(table, askedWhy, out);
                reloading.add(table);
            }
        }
        catalogShapes = catalogShapes(); // before the look: a change made during it is found by the next
        nextCatalogLook = System.currentTimeMillis() + CATALOG_LOOK_MILLIS;
        for (String table : List.copyOf(schemas.keySet())) {
            if (!reloading.contains(table)) {
                followCatalog(table, out);
            }
        }
    }

    /**
     * Between transactions, every {@link #CATALOG_LOOK_MILLIS}: a table whose catalog entry changed
     * since the last look is checked as at start. A change the destination cannot follow is then
     * copied again even when no row of the table is logged after it, which would otherwise be the
     * first the stream hears of it; the initial load leaves tables it finds so changed to this.
     */
    void watchCatalog(Consumer<ChangeRecord> out) throws SQLException {
        if (System.currentTimeMillis() < nextCatalogLook) {
            return;
        }
        Map<Long, String> now = catalogShapes();
        nextCatalogLook = System.currentTimeMillis() + CATALOG_LOOK_MILLIS;
        for (Map.Entry<Long, String> e : now.entrySet()) {
            String before = catalogShapes.get(e.getKey());
            String table = byOid.get(e.getKey());
            if (before != null && !before.equals(e.getValue()) && schemas.containsKey(table)) {
                try {
                    followCatalog(table, out);
                } catch (dev.ferry.operators.PipeSetupException gone) {
                    // renamed or no longer readable: its next relation message says so (and stops the pipe)
                    LOG.warn("{}: not looked at again: {}", table, gone.getMessage());
                }
            }
        }
        catalogShapes = now;
    }

    /** Copies {@code table} again if the catalog has it changed in a way its destination cannot follow. */
    private void followCatalog(String table, Consumer<ChangeRecord> out) throws SQLException {
        Current current = current(table);
        TableSchema now = current.table().schema();
        checkSortingColumns(table, now);
        String why = incompatibility(schemas.get(table), now, current.filled());
        if (why == null) {
            why = current.storage().rewrittenSince(storage.get(table), schemas.get(table), now);
        }
        storage.put(table, current.storage());
        if (why != null) {
            reload(table, why, out);
        }
    }

    /**
     * Stops the pipe when a column the table's {@code order_by} names (and so its primary key and
     * partition) was renamed or dropped at the source: ClickHouse cannot rename or drop a sorting-key
     * column, and a copy cannot be sorted by a column the source no longer has. The spec must name
     * today's columns; changing it copies the table again.
     */
    private void checkSortingColumns(String table, TableSchema now) {
        for (String c : specs.get(table).destination().orderBy()) {
            int at = now.indexOf(c);
            if (at < 0 || now.columns().get(at).dropped()) {
                throw new SuppressRestartsException(new IllegalStateException(table + ": " + c + ", in its order_by, is"
                        + " no longer a column at the source (renamed or dropped), and ClickHouse cannot rename or drop a"
                        + " sorting-key column: set order_by to today's columns (ferry edit " + connections.pipe()
                        + " --table " + table + " --set 'order_by=[...]', which copies the table again)"));
            }
        }
    }

    /** Per table oid, what of its catalog entry a change the destination may not follow alters. */
    private Map<Long, String> catalogShapes() throws SQLException {
        Map<Long, String> shapes = new HashMap<>();
        try (Connection conn = connections.open("schema");
                java.sql.PreparedStatement st = conn.prepareStatement(CATALOG_SHAPES_SQL)) {
            st.setArray(1, conn.createArrayOf("oid", byOid.keySet().toArray()));
            try (java.sql.ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    shapes.put(rs.getLong(1), rs.getString(2));
                }
            }
        }
        return shapes;
    }

    /** Copies again the tables whose copy was cut short since the stream started (a lost connection). */
    void restartCutShort(Consumer<ChangeRecord> out) throws SQLException {
        for (String table : reloads.cutShort()) {
            copy(table, "its copy was cut short by a lost connection", out);
        }
    }

    /**
     * A table as the catalog has it now, with its columns whose existing rows Postgres filled, and
     * its attributes.
     */
    private record Current(SourceTable table, Set<String> filled, PostgresCatalog.Attributes attributes,
            PostgresTableStorage storage) {}

    private Current current(String table) throws SQLException {
        try (Connection conn = connections.open("schema")) {
            SourceTable t = PostgresCatalog.read(conn, specs.get(table), true);
            return new Current(t, PostgresCatalog.filledByPostgres(conn, t.oid()), PostgresCatalog.attributes(conn, t.oid()),
                    PostgresTableStorage.read(conn, t.oid()));
        }
    }

    /** Copies {@code table} again (or fails the pipe, if so set); its rows follow the copy's schema from here. */
    private void reload(String table, String why, Consumer<ChangeRecord> out) throws SQLException {
        if (!reloadIncompatible) {
            throw new SuppressRestartsException(new IllegalStateException(table + ": " + why + ", which its ClickHouse"
                    + " table cannot follow in place: resync " + table + " (or set incompatible_schema_change: resync)"));
        }
        copy(table, why, out);
        loggedTypes.remove(table); // relations from before the copy are skipped, and compare with nothing
    }

    /** Starts a copy of {@code table}; its rows and storage follow the copy's snapshot from here. */
    private void copy(String table, String why, Consumer<ChangeRecord> out) throws SQLException {
        PostgresTableReloads.Started started = reloads.start(table, why, out);
        schemas.put(table, started.schema());
        storage.put(table, started.storage());
        loggedNames.remove(table); // rows after the copy are logged with the copy's names
    }

    /**
     * A column whose type changed between what the rows were logged with and what the stream knows,
     * where the catalog cannot tell (the column was dropped since): by the type the previous relation
     * message of the table gave it, or a numeric's precision and scale. Null if none.
     */
    private String retyped(String table, TableSchema known, TableSchema current, Relation r) {
        Map<String, List<Integer>> before = loggedTypes.get(table);
        Map<String, List<Integer>> logged = new HashMap<>();
        String why = null;
        for (RelationColumn c : r.columns()) {
            List<Integer> type = List.of(c.typeOid(), c.typeMod());
            logged.put(c.name(), type);
            List<Integer> previous = before == null ? null : before.get(c.name());
            int at = known.indexOf(c.name());
            if (why != null || at < 0 || known.columns().get(at).dropped() || current.indexOf(c.name()) >= 0) {
                continue; // the catalog has the column: incompatibility() compares its type
            }
            ColumnType kind = known.columns().get(at).type();
            if (previous != null && !previous.equals(type)) {
                why = "column " + c.name() + " changed type";
            } else if (kind.kind() == ColumnType.Kind.DECIMAL && c.typeMod() >= 4
                    && c.typeMod() - 4 != (kind.precision() << 16 | kind.scale())) {
                why = "column " + c.name() + " changed type to numeric(" + ((c.typeMod() - 4) >> 16) + ", "
                        + ((c.typeMod() - 4) & 0xFFFF) + ")";
            }
        }
        loggedTypes.put(table, logged);
        return why;
    }

    /**
     * Why rows of {@code known} cannot go on into the destination once the source is {@code current}
     * (null if they can): its key changed (also a key column renamed or dropped), a column changed
     * type (matched by attnum), or a new column's existing rows hold values Postgres computed for them
     * ({@code filled}) without logging the rows.
     */
    static String incompatibility(TableSchema known, TableSchema current, Set<String> filled) {
        if (!known.key().equals(current.key())) {
            return "its key changed from (" + String.join(", ", known.key()) + ") to (" + String.join(", ", current.key())
                    + ")";
        }
        for (ColumnSchema c : known.columns()) {
            ColumnSchema now = c.dropped() ? null : byPosition(current, c);
            if (now != null && !now.type().equals(c.type())) {
                boolean sameName = c.sourceType().equals(now.sourceType()); // numeric to numeric(10,2)
                return "column " + now.name() + " changed type from " + c.sourceType() + (sameName ? " " + c.type() : "")
                        + " to " + now.sourceType() + (sameName ? " " + now.type() : "");
            }
        }
        for (ColumnSchema now : current.columns()) {
            if (filled.contains(now.name()) && known.columns().stream().noneMatch(c -> c.position() == now.position())) {
                return "column " + now.name() + " was added with values Postgres computed for every row without"
                        + " logging them";
            }
        }
        return null;
    }

    /** Learns a relation's logged shape; emits a marker first if its table changed shape. */
    void relation(Relation r, Consumer<ChangeRecord> out) throws SQLException {
        String table = r.namespace() + "." + r.name();
        TableSchema known = schemas.get(table);
        if (known == null) {
            String renamed = byOid.get(Integer.toUnsignedLong(r.oid()));
            if (renamed != null) {
                // Its rows would be dropped unseen, and the pipe's table list names a table that is gone.
                throw new SuppressRestartsException(new IllegalStateException(renamed + " was renamed to " + table
                        + " at the source: rename it back, or remove " + renamed + " from the pipe and add " + table));
            }
            relations.remove(r.oid());
            return;
        }
        // Postgres sends a relation before its first row, and again after anything about it changed.
        List<String> names = r.columns().stream().map(RelationColumn::name).toList();
        Set<String> fields = new LinkedHashSet<>(names);
        fields.removeIf(specs.get(table)::excludes); // logged, but as absent from the pipe as from the catalog read
        if (known.key().equals(List.of(PostgresCatalog.CTID_COLUMN))) {
            fields.add(PostgresCatalog.CTID_COLUMN); // Ferry's own column, never logged
        }
        Map<String, String> aliases = new HashMap<>();
        // Rows of a transaction a table's new copy already holds are skipped, whatever shape they had.
        if (!reloads.skips(table, xid)) {
            Current current = current(table);
            TableSchema now = current.table().schema();
            checkSortingColumns(table, now);
            String retyped = retyped(table, known, now, r);
            String why = incompatibility(known, now, current.filled());
            Map<String, ColumnSchema> addedSince = null;
            if (why == null) {
                why = retyped;
            }
            if (why == null) {
                why = current.storage().rewrittenSince(storage.get(table), known, now);
            }
            storage.put(table, current.storage());
            if (why == null) {
                Map<String, Integer> typeOids = new HashMap<>();
                r.columns().forEach(c -> typeOids.put(c.name(), c.typeOid()));
                aliases.putAll(namedBefore(known, current, fields, typeOids, loggedNames.get(table)));
                aliases.putAll(passingNames(known, now, fields, aliases));
                addedSince = addedAndRenamed(known, current, fields, typeOids, aliases);
            }
            TableSchema followed = why == null && addedSince != null
                    ? follow(table, known, now, fields, addedSince, aliases) : null;
            if (why == null && (followed == null || !inLoggedOrder(followed, names, aliases))) {
                why = "columns were added, renamed and dropped since the rows now streamed were logged, in a way"
                        + " that does not tell which of today's columns their values belong to";
            }
            if (why != null) {
                reload(table, why, out);
            } else if (followed != known) {
                schemas.put(table, followed);
                LOG.info("{} changed shape: columns now {}", table, followed.columns().stream()
                        .map(c -> c.name() + (c.dropped() ? " (dropped)" : "") + (c.nullable() ? "" : " not null"))
                        .toList());
                out.accept(ChangeRecord.marker(table, new SchemaChanged(followed)));
            }
        }
        TableSchema schema = schemas.get(table);
        int[] index = new int[names.size()];
        for (int i = 0; i < index.length; i++) {
            index[i] = schema.indexOf(aliases.getOrDefault(names.get(i), names.get(i)));
        }
        List<Integer> absent = new ArrayList<>();
        for (int at = 0; at < schema.columns().size(); at++) {
            ColumnSchema c = schema.columns().get(at);
            if (!names.contains(c.name()) && !aliases.containsValue(c.name()) && !c.dropped()
                    && !c.name().equals(PostgresCatalog.CTID_COLUMN)) {
                absent.add(at);
            }
        }
        relations.put(r.oid(), new Binding(table, index, absent.stream().mapToInt(Integer::intValue).toArray()));
        if (!reloads.skips(table, xid)) {
            Map<String, Integer> logged = new HashMap<>();
            for (int i = 0; i < index.length; i++) {
                if (index[i] >= 0 && schema.columns().get(index[i]).position() > 0) {
                    logged.put(names.get(i), schema.columns().get(index[i]).position());
                }
            }
            loggedNames.put(table, logged);
        }
    }

    /**
     * Whether the columns the relation's fields fill have increasing attnums, as Postgres logs them:
     * a match of logged names to columns that breaks this order is wrong.
     */
    private static boolean inLoggedOrder(TableSchema schema, List<String> names, Map<String, String> aliases) {
        int last = 0;
        for (String name : names) {
            int at = schema.indexOf(aliases.getOrDefault(name, name));
            int position = at < 0 ? 0 : schema.columns().get(at).position();
            if (position > 0) {
                if (position <= last) {
                    return false;
                }
                last = position;
            }
        }
        return true;
    }

    /**
     * Fields neither the known schema nor the catalog name, which the table's previous relation
     * message carried for a column the rows now lack under any of its names: renamed in the catalog
     * since (and maybe again), still logged under the old name. Matched to the column by that
     * message's attnum, when the catalog still has the column with the logged type.
     */
    private static Map<String, String> namedBefore(TableSchema known, Current catalog, Set<String> fields,
            Map<String, Integer> loggedTypes, Map<String, Integer> before) {
        if (before == null) {
            return Map.of();
        }
        TableSchema current = catalog.table().schema();
        Map<String, String> aliases = new HashMap<>();
        for (String f : fields) {
            Integer position = before.get(f);
            if (position == null || known.indexOf(f) >= 0 || current.indexOf(f) >= 0) {
                continue;
            }
            ColumnSchema column = known.columns().stream().filter(c -> c.position() == position && !c.dropped())
                    .findFirst().orElse(null);
            ColumnSchema now = column == null ? null : byPosition(current, column);
            if (now != null && !fields.contains(column.name()) && !fields.contains(now.name())
                    && java.util.Objects.equals(loggedTypes.get(f), catalog.attributes().typeOids().get(now.name()))) {
                aliases.put(f, column.name());
            }
        }
        return aliases;
    }

    /** The table's schema as the stream follows it. */
    TableSchema schema(String table) {
        return schemas.get(table);
    }

    /** The tables' storage as last looked at. */
    Map<String, PostgresTableStorage> storage() {
        return Map.copyOf(storage);
    }

    /** Each table's column names as its last relation message carried them, with their attnums. */
    Map<String, Map<String, Integer>> loggedNames() {
        return Map.copyOf(loggedNames);
    }

    /**
     * Transaction {@code xid}, which commits at {@code commitLsn}, starts: its rows are counted from
     * the start again when it is sent again.
     */
    void begin(long commitLsn, long xid) {
        this.commitLsn = commitLsn;
        this.xid = xid;
        lastInsertLsn = -1;
        rowsAtLsn = 0;
    }

    /** The relation's binding, or null when its changes are not replicated (not in the pipe, or in a reload's copy). */
    private Binding binding(int relation) {
        Binding b = relations.get(relation);
        return b == null || reloads.skips(b.table(), xid) ? null : b;
    }

    void insert(Insert m, long version, long sourceMillis, Consumer<ChangeRecord> out) {
        Binding b = binding(m.relation());
        if (b == null) {
            return;
        }
        Object[] row = values(b, m.row(), null, "insert");
        nameByPosition(b, row, version);
        out.accept(ChangeRecord.change(b.table(), ChangeRecord.Kind.INSERT, version, sourceMillis, row));
    }

    /** A keyless table's new row is named by where it was logged (see the class comment). */
    private void nameByPosition(Binding b, Object[] row, long version) {
        int position = schemas.get(b.table()).indexOf(PostgresCatalog.CTID_COLUMN);
        if (position >= 0) {
            long lsn = ChangeVersions.position(version);
            rowsAtLsn = lsn == lastInsertLsn ? rowsAtLsn + 1 : 0;
            lastInsertLsn = lsn;
            row[position] = LogSequenceNumber.valueOf(lsn) + ":" + rowsAtLsn;
        }
    }

    void update(Update m, long version, long sourceMillis, Consumer<ChangeRecord> out) {
        Binding b = binding(m.relation());
        if (b == null) {
            return;
        }
        boolean keyless = keyless(b);
        if (keyless && m.oldKind() != 'O') {
            throw refusal(b, "an UPDATE");
        }
        List<String> sortedBeyondKey = sortedBeyondKey(b);
        if (!sortedBeyondKey.isEmpty() && m.oldKind() != 'O') {
            throw sortingRefusal(b, "an UPDATE", sortedBeyondKey);
        }
        Object[] row = values(b, m.row(), m.oldKind() == 'O' ? m.old() : null, "update");
        if (m.old() != null) {
            Object[] old = values(b, m.old(), null, "update");
            // A new sorting key is a new row in ClickHouse: the old one is deleted by its own sorting key.
            if (keyless || !same(b.table(), schemas.get(b.table()).key(), old, row)
                    || !same(b.table(), sortedBeyondKey, old, row)) {
                nameByPosition(b, row, version);
                out.accept(ChangeRecord.change(b.table(), ChangeRecord.Kind.DELETE, version, sourceMillis, commitLsn, old));
                out.accept(ChangeRecord.change(b.table(), ChangeRecord.Kind.INSERT, version, sourceMillis, row));
                return;
            }
        }
        out.accept(ChangeRecord.change(b.table(), ChangeRecord.Kind.UPDATE, version, sourceMillis, row));
    }

    void delete(Delete m, long version, long sourceMillis, Consumer<ChangeRecord> out) {
        Binding b = binding(m.relation());
        if (b != null && !keepsDeleted(b)) {
            if (keyless(b) && m.oldKind() != 'O') {
                throw refusal(b, "a DELETE");
            }
            List<String> sortedBeyondKey = sortedBeyondKey(b);
            if (!sortedBeyondKey.isEmpty() && m.oldKind() != 'O') {
                throw sortingRefusal(b, "a DELETE", sortedBeyondKey);
            }
            out.accept(ChangeRecord.change(b.table(), ChangeRecord.Kind.DELETE, version, sourceMillis, commitLsn,
                    values(b, m.old(), null, "delete")));
        }
    }

    /** A TRUNCATE (with CASCADE, every table it emptied) of the transaction committing at {@code commitLsn}. */
    void truncate(Truncate m, long version, long commitLsn, Consumer<ChangeRecord> out) {
        for (int oid : m.relations()) {
            Binding b = binding(oid);
            if (b != null && !keepsDeleted(b)) {
                out.accept(ChangeRecord.marker(b.table(), new Truncated(version, commitLsn)));
            }
        }
    }

    /** Deletes and TRUNCATEs of the table are dropped: its ClickHouse table keeps what they removed. */
    private boolean keepsDeleted(Binding b) {
        return specs.get(b.table()).destination().deletes() == DestinationTable.Deletes.IGNORE;
    }

    private boolean keyless(Binding b) {
        return schemas.get(b.table()).key().equals(List.of(PostgresCatalog.CTID_COLUMN));
    }

    /** Without the whole old row a keyless table's row cannot be found (Postgres itself refuses these). */
    private static SuppressRestartsException refusal(Binding b, String change) {
        return new SuppressRestartsException(new IllegalStateException(b.table() + " got " + change
                + " without its old row, but it has no primary key: ALTER TABLE " + b.table() + " REPLICA IDENTITY FULL"
                + " (or add a primary key), then resync " + b.table()));
    }

    /** The table's ClickHouse sorting columns beyond its key (order_by), whose old values each change must carry. */
    private List<String> sortedBeyondKey(Binding b) {
        return specs.get(b.table()).destination().sortedBeyond(schemas.get(b.table()).key());
    }

    /** Without the old row, the version ClickHouse holds under the old sorting key cannot be removed. */
    private static SuppressRestartsException sortingRefusal(Binding b, String change, List<String> sortedBeyondKey) {
        return new SuppressRestartsException(new IllegalStateException(b.table() + " got " + change + " without its old"
                + " row, but its order_by has " + String.join(", ", sortedBeyondKey) + " beyond the key: ALTER TABLE "
                + b.table() + " REPLICA IDENTITY FULL, then resync " + b.table()));
    }

    /** Reads back the unchanged TOASTed values of the rows mapped since the last call (see {@link PostgresToastFill}). */
    void completeRows() throws SQLException {
        toast.resolve(schemas);
    }

    void close() {
        toast.close();
    }

    /**
     * The row in schema order. A TOASTed value the update left unchanged is taken from the old row
     * when the table logs it (replica identity full), else read back by {@link #completeRows()}.
     */
    private Object[] values(Binding b, Tuple tuple, Tuple oldRow, String change) {
        TableSchema schema = schemas.get(b.table());
        Object[] values = new Object[schema.columns().size()];
        List<Integer> unlogged = null;
        for (int i = 0; i < tuple.size() && i < b.schemaIndex().length; i++) {
            int at = b.schemaIndex()[i];
            if (at < 0) {
                continue;
            }
            ColumnSchema column = schema.columns().get(at);
            String text = tuple.values()[i];
            if (tuple.unchanged(i)) {
                if (oldRow == null || oldRow.unchanged(i)) {
                    if (unlogged == null) {
                        unlogged = new ArrayList<>();
                    }
                    unlogged.add(at);
                    continue;
                }
                text = oldRow.values()[i];
            }
            try {
                values[at] = PostgresTextValues.parse(text, column);
            } catch (RuntimeException e) {
                throw new IllegalStateException(change + " of " + b.table() + ": column " + column.name() + " ("
                        + column.sourceType() + ") has a value Ferry cannot read: " + e, e);
            }
        }
        for (int at : b.absent()) {
            values[at] = schema.columns().get(at).missing();
        }
        if (unlogged != null) {
            toast.request(b.table(), values, unlogged, keyTexts(b, tuple));
        }
        return values;
    }

    /** The row's key as Postgres printed it, to find the row again. */
    private List<String> keyTexts(Binding b, Tuple tuple) {
        TableSchema schema = schemas.get(b.table());
        List<String> texts = new ArrayList<>();
        for (String k : schema.key()) {
            int at = schema.indexOf(k);
            int i = 0;
            while (i < b.schemaIndex().length && b.schemaIndex()[i] != at) {
                i++;
            }
            if (i == b.schemaIndex().length || tuple.unchanged(i)) {
                throw new IllegalStateException(b.table() + ": an update without the value of key column " + k);
            }
            texts.add(tuple.values()[i]);
        }
        return texts;
    }

    /** Whether the two rows hold the same values in {@code columns}. */
    private boolean same(String table, List<String> columns, Object[] old, Object[] row) {
        TableSchema schema = schemas.get(table);
        for (String k : columns) {
            int i = schema.indexOf(k);
            if (i >= 0 && !Arrays.deepEquals(new Object[] {old[i]}, new Object[] {row[i]})) {
                return false;
            }
        }
        return true;
    }

    /**
     * Rows logged between two renames of a column carry a name neither the known schema nor today's
     * catalog has. Such fields are matched, in the order Postgres logs columns (by attnum), to the
     * known columns missing from the rows whose attnum the catalog still has under another name;
     * when the counts differ (a column also added and dropped in between) nothing is matched.
     */
    private static Map<String, String> passingNames(TableSchema known, TableSchema current, Set<String> fields,
            Map<String, String> matched) {
        List<String> unknown = fields.stream()
                .filter(f -> known.indexOf(f) < 0 && current.indexOf(f) < 0 && !matched.containsKey(f)).toList();
        if (unknown.isEmpty()) {
            return Map.of();
        }
        List<ColumnSchema> missing = known.columns().stream()
                .filter(c -> !c.dropped() && !fields.contains(c.name()) && current.indexOf(c.name()) < 0
                        && !matched.containsValue(c.name()))
                .filter(c -> {
                    ColumnSchema now = byPosition(current, c);
                    return now != null && !fields.contains(now.name());
                })
                .sorted(java.util.Comparator.comparingInt(ColumnSchema::position))
                .toList();
        Map<String, String> aliases = new HashMap<>();
        if (missing.size() == unknown.size()) {
            for (int i = 0; i < missing.size(); i++) {
                aliases.put(unknown.get(i), missing.get(i).name());
            }
        }
        return aliases;
    }

    /**
     * Columns the rows carry under a name neither the known schema nor the catalog has (and that are
     * not {@code passing} names of known columns): added and then renamed, or dropped, before the
     * stream got to them. They are matched, in the order Postgres logs columns (by attnum), to the
     * catalog's columns that are new to the known schema and missing from the rows, which pairs them
     * exactly when no column was dropped since (every column the rows name is still there) and the
     * counts and types agree. With no such catalog column they were dropped
     * (empty: their values are not kept, the destination never had them); otherwise, when they cannot
     * be paired for sure, null: rather than lose values or put them in another column, the table is
     * copied again.
     */
    private static Map<String, ColumnSchema> addedAndRenamed(TableSchema known, Current catalog, Set<String> fields,
            Map<String, Integer> loggedTypes, Map<String, String> passing) {
        TableSchema current = catalog.table().schema();
        List<String> unknown = fields.stream()
                .filter(f -> known.indexOf(f) < 0 && current.indexOf(f) < 0 && !passing.containsKey(f)).toList();
        List<ColumnSchema> added = current.columns().stream()
                .filter(c -> c.position() > 0 && !fields.contains(c.name()))
                .filter(c -> known.columns().stream().noneMatch(k -> k.position() == c.position()))
                .sorted(java.util.Comparator.comparingInt(ColumnSchema::position))
                .toList();
        if (unknown.isEmpty() || added.isEmpty()) {
            return Map.of();
        }
        int lastKnown = known.columns().stream().mapToInt(ColumnSchema::position).max().orElse(0);
        // A known column gone from the catalog may have carried one of those names before it was dropped.
        boolean knownGone = known.columns().stream().anyMatch(c -> !c.dropped() && c.position() > 0
                && !fields.contains(c.name()) && byPosition(current, c) == null);
        if (added.size() != unknown.size() || catalog.attributes().lastDropped() > lastKnown || knownGone) {
            return null;
        }
        Map<String, ColumnSchema> matched = new HashMap<>();
        for (int i = 0; i < added.size(); i++) {
            if (!java.util.Objects.equals(loggedTypes.get(unknown.get(i)),
                    catalog.attributes().typeOids().get(added.get(i).name()))) {
                return null;
            }
            matched.put(unknown.get(i), added.get(i));
        }
        return matched;
    }

    /** The column of {@code current} with {@code column}'s source position (attnum), if it has one. */
    private static ColumnSchema byPosition(TableSchema current, ColumnSchema column) {
        if (column.position() <= 0) {
            return null;
        }
        return current.columns().stream().filter(c -> c.position() == column.position()).findFirst().orElse(null);
    }

    /**
     * The schema rows logged with {@code fields} follow: {@code known} itself when nothing changed.
     * {@code aliases} receives the fields that are known columns under a name they had only for a
     * while (renamed, and renamed again or back, since).
     */
    private TableSchema follow(String table, TableSchema known, TableSchema current, Set<String> fields,
            Map<String, ColumnSchema> addedSince, Map<String, String> aliases) {
        List<ColumnSchema> merged = new ArrayList<>();
        Set<String> renamed = new java.util.HashSet<>();
        boolean changed = false;
        for (ColumnSchema c : known.columns()) {
            if (aliases.containsValue(c.name())) {
                merged.add(c); // logged under a name it has no more: still the same column, values kept
                continue;
            }
            int now = current.indexOf(c.name());
            ColumnSchema renamedTo = now >= 0 || fields.contains(c.name()) || c.dropped() ? null : byPosition(current, c);
            if (renamedTo != null && fields.contains(renamedTo.name())) {
                merged.add(renamedTo); // RENAME COLUMN: the writer renames it in ClickHouse, values kept
                renamed.add(renamedTo.name());
                changed = true;
                continue;
            }
            if (!c.dropped() && fields.contains(c.name()) && now >= 0) {
                ColumnSchema latest = current.columns().get(now);
                if (latest.nullable() && !c.nullable()) {
                    merged.add(c.asNullable()); // DROP NOT NULL
                    changed = true;
                } else {
                    merged.add(c);
                }
            } else if (!c.dropped() && !fields.contains(c.name()) && now < 0 && byPosition(current, c) == null) {
                merged.add(c.asDropped());
                changed = true;
            } else {
                // Still in the catalog but not in these rows: they were logged before the column was added.
                merged.add(c);
            }
        }
        for (String f : fields) {
            if (known.indexOf(f) < 0 && !renamed.contains(f) && !aliases.containsKey(f)) {
                int i = current.indexOf(f);
                ColumnSchema now = i >= 0 ? current.columns().get(i) : addedSince.get(f);
                if (now == null) {
                    // Logged before a DROP COLUMN that came while the pipe was stopped: the destination never had
                    // the column, and the source has it no more.
                    LOG.info("{}: column {} of rows in the change stream was dropped since; its values are not kept",
                            table, f);
                    continue;
                }
                if (i < 0) {
                    aliases.put(f, now.name());
                }
                merged.add(now);
                changed = true;
            }
        }
        return changed ? known.withColumns(merged) : known;
    }
}
