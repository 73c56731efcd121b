package dev.ferry.operators.postgres.stream;

import dev.ferry.operators.postgres.PostgresConnections;
import dev.ferry.operators.postgres.PostgresXidSnapshot;
import dev.ferry.operators.postgres.setup.PostgresCatalog.SourceTable;
import dev.ferry.operators.postgres.setup.PostgresCatalog;
import dev.ferry.state.record.ChangeRecord;
import dev.ferry.state.record.TableReloaded;
import dev.ferry.state.record.TableReloading;
import dev.ferry.state.schema.TableSchema;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tables the change stream copies again because the source changed them in a way the destination
 * cannot follow in place (a column's type, the key, a default Postgres wrote into every row without
 * logging it). The copy is one snapshot's rows ({@link PostgresTableCopy}), sent between transactions
 * after a {@link TableReloading} marker (the writer puts them into a fresh table) and followed by
 * {@link TableReloaded} (the fresh table replaces the old). From the moment the snapshot is taken,
 * every change of the table from a transaction the snapshot saw committed is skipped: the copy holds
 * its effect already, and a change logged under the old column types must not be written over it.
 * The table's other changes are applied on top of the copy as usual. Exact for keyed and keyless
 * tables alike, whatever the order of the stream and the copy.
 */
final class PostgresTableReloads {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresTableReloads.class);

    private static final class Reload {
        final String table;
        final PostgresXidSnapshot xids;
        final long positionAfter;
        /** The copy being sent; null once sent, or when its session was lost (then not copied). */
        PostgresTableCopy copy;
        boolean copied;

        Reload(String table, PostgresXidSnapshot xids, long positionAfter, PostgresTableCopy copy, boolean copied) {
            this.table = table;
            this.xids = xids;
            this.positionAfter = positionAfter;
            this.copy = copy;
            this.copied = copied;
        }
    }

    private final PostgresConnections connections;
    private final Map<String, SourceTable> tables = new LinkedHashMap<>();
    private final Map<String, Reload> reloads = new LinkedHashMap<>();

    PostgresTableReloads(PostgresConnections connections, List<SourceTable> tables) {
        this.connections = connections;
        tables.forEach(t -> this.tables.put(t.spec().sourceId(), t));
    }

    /** A checkpointed reload whose copy was finished: its changes are filtered until the stream passes it. */
    void restoreFinished(TableReload r) {
        reloads.put(r.table(), new Reload(r.table(), PostgresXidSnapshot.parse(r.snapshot()), r.positionAfter(), null, true));
    }

    /** A copy begun: the table's schema and storage as of its snapshot. */
    record Started(TableSchema schema, PostgresTableStorage storage) {}

    /**
     * Copies {@code table} again from now on (dropping a copy of it in progress): takes the snapshot,
     * sends the marker (once {@link #state} has the reload), and returns the table as of that
     * snapshot, which the stream's rows of the table follow from here.
     */
    Started start(String table, String reason, Consumer<ChangeRecord> out) throws SQLException {
        Reload previous = reloads.remove(table);
        if (previous != null && previous.copy != null) {
            previous.copy.close();
        }
        PostgresTableCopy copy = PostgresTableCopy.begin(connections, "reload");
        try {
            SourceTable read = PostgresCatalog.read(copy.connection(), tables.get(table).spec(), true);
            copy.start(read, "FROM " + read.qualifiedName());
            LOG.info("{}: {}; copying it again (snapshot {})", table, reason, copy.xids());
            reloads.put(table, new Reload(table, copy.xids(), copy.positionAfter(), copy, false));
            PostgresTableStorage storage = PostgresTableStorage.read(copy.connection(), read.oid());
            out.accept(ChangeRecord.marker(table, new TableReloading(read.schema(), copy.version(), reason)));
            return new Started(read.schema(), storage);
        } catch (SQLException | RuntimeException e) {
            copy.close();
            throw e;
        }
    }

    /** Whether a copy is being sent. */
    boolean copying() {
        return reloads.values().stream().anyMatch(r -> r.copy != null);
    }

    /** Whether a change of {@code table} by transaction {@code xid} is already in its copy. */
    boolean skips(String table, long xid) {
        Reload r = reloads.get(table);
        return r != null && r.xids.sawCommitted(xid);
    }

    /**
     * Between transactions: sends some rows of a copy in progress, laid out as the stream sends the
     * table now ({@code sent}), and the end marker after its last.
     */
    void step(Consumer<ChangeRecord> out, Function<String, TableSchema> sent) throws SQLException {
        for (Reload r : reloads.values()) {
            if (r.copy != null) {
                if (r.copy.step(out, sent.apply(r.table))) {
                    long copied = r.copy.copied();
                    LOG.info("{}: copied {} rows again; the copy replaces the table", r.table, copied);
                    r.copy.close();
                    r.copy = null;
                    r.copied = true; // before the marker, which hands the state on
                    out.accept(ChangeRecord.marker(r.table, new TableReloaded(copied)));
                }
                return;
            }
        }
    }

    /**
     * A transaction that commits at {@code commitLsn} is next: finished reloads whose snapshot it is
     * past filter nothing more.
     */
    void committing(long commitLsn) {
        reloads.values().removeIf(r -> r.copied && commitLsn >= r.positionAfter);
    }

    /** The checkpointed form. */
    List<TableReload> state() {
        List<TableReload> state = new ArrayList<>();
        reloads.values().forEach(r -> state.add(new TableReload(r.table, r.xids.toString(), r.positionAfter, r.copied)));
        return state;
    }

    /** The tables whose copy was cut short (its session closed, as when the stream's connection was lost). */
    List<String> cutShort() {
        return reloads.values().stream().filter(r -> !r.copied && r.copy == null).map(r -> r.table).toList();
    }

    /** Closes the copies' sessions; a copy not finished is cut short and must be started again. */
    void close() {
        reloads.values().forEach(r -> {
            if (r.copy != null) {
                r.copy.close();
                r.copy = null;
            }
        });
    }
}
