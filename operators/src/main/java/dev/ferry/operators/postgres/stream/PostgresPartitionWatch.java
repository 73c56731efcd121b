package dev.ferry.operators.postgres.stream;

import dev.ferry.operators.postgres.PostgresConnections;
import dev.ferry.operators.postgres.setup.PostgresCatalog.SourceTable;
import dev.ferry.operators.postgres.setup.PostgresCatalog;
import dev.ferry.state.record.ChangeRecord;
import dev.ferry.state.schema.TableSchema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leaf partitions that join a pipe's partitioned tables while the change stream runs. Rows a table
 * held before {@code ALTER TABLE ... ATTACH PARTITION} were never logged as rows of the partitioned
 * table, so the stream would never carry them; partitions made with {@code CREATE TABLE ... PARTITION
 * OF} need nothing (every row of theirs is logged through the root).
 *
 * <p>Between transactions, every {@link #INTERVAL_MILLIS}, the change stream lists the leaves; a leaf
 * it did not know is copied like an initial load copies a table, in one repeatable-read snapshot,
 * its rows versioned by that snapshot's position: changes of the same rows, streamed before or
 * after, carry higher versions and win, so a keyed table ends exact whatever the order. A keyless
 * table's rows are named by position on both paths, so only rows inserted before the leaf's newest
 * link into the tree (by {@code xmin} against that link's {@code xmin}) are copied; the stream has the
 * rest. The known leaves are checkpointed with the stream's position; a copy cut by a failure is
 * done again whole, which rewrites the same rows.
 */
final class PostgresPartitionWatch {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresPartitionWatch.class);
    static final long INTERVAL_MILLIS = 10_000;

    private static final String LEAVES_SQL = """
            SELECT c.oid, format('%I.%I', n.nspname, c.relname)
            FROM pg_partition_tree(?::oid::regclass) t
            JOIN pg_class c ON c.oid = t.relid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE t.isleaf AND c.relkind = 'r'""";

    /** Rows older than the leaf's newest link into the partition tree: there before it was attached. */
    private static final String BEFORE_LINK = " WHERE age(xmin) > (SELECT min(age(i.xmin)) FROM"
            + " pg_partition_ancestors(%d::oid::regclass) a JOIN pg_inherits i ON i.inhrelid = a.relid)";

    private record Leaf(SourceTable table, long oid, String qualified) {}

    private final PostgresConnections connections;
    private final List<SourceTable> partitioned;
    private final Function<String, TableSchema> followed;
    /** Leaves whose rows are in the destination or on their way through the stream; null until first listed. */
    private Set<Long> known;
    private final Deque<Leaf> toCopy = new ArrayDeque<>();
    private long nextLook;

    private PostgresTableCopy copy;
    private Leaf copying;

    /**
     * @param known leaves already accounted for, from the checkpoint; null when none was taken yet
     * @param followed the table's schema as the stream follows it, which copied rows are laid out in
     */
    PostgresPartitionWatch(PostgresConnections connections, List<SourceTable> tables, List<Long> known,
            Function<String, TableSchema> followed) {
        this.connections = connections;
        this.partitioned = tables.stream().filter(SourceTable::partitioned).toList();
        this.known = known == null ? null : new TreeSet<>(known);
        this.followed = followed;
    }

    /** The leaves accounted for (copied, or followed from the start); null until first listed. */
    List<Long> known() {
        return known == null ? null : List.copyOf(known);
    }

    boolean idle() {
        return copying == null && toCopy.isEmpty();
    }

    /**
     * Looks at the partition trees when it is time, and copies up to a few thousand rows of a new
     * leaf. Returns true when the known leaves changed (a copy finished, or a leaf left).
     */
    boolean step(Consumer<ChangeRecord> out) throws SQLException {
        if (partitioned.isEmpty()) {
            return false;
        }
        boolean changed = false;
        if (idle() && System.currentTimeMillis() >= nextLook) {
            nextLook = System.currentTimeMillis() + INTERVAL_MILLIS;
            changed = look();
        }
        if (copying == null && !toCopy.isEmpty()) {
            open(toCopy.peekFirst());
        }
        if (copying != null) {
            changed |= copy(out);
        }
        return changed;
    }

    /**
     * The leaf partitions of the pipe's partitioned tables now: taken when a pipe's job is first
     * made, before its initial load lists the leaves it reads, so a leaf attached in between is copied
     * (a keyed table's rows twice, which versions make harmless) rather than missed.
     */
    static List<Long> leaves(PostgresConnections connections, List<SourceTable> tables) throws SQLException {
        try (Connection c = connections.open("partitions")) {
            return list(c, tables.stream().filter(SourceTable::partitioned).toList()).stream().map(Leaf::oid).toList();
        }
    }

    private static List<Leaf> list(Connection c, List<SourceTable> partitioned) throws SQLException {
        List<Leaf> leaves = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(LEAVES_SQL)) {
            for (SourceTable t : partitioned) {
                ps.setLong(1, t.oid());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        leaves.add(new Leaf(t, rs.getLong(1), rs.getString(2)));
                    }
                }
            }
        }
        return leaves;
    }

    private boolean look() throws SQLException {
        List<Leaf> leaves;
        try (Connection c = connections.open("partitions")) {
            leaves = list(c, partitioned);
        }
        Set<Long> now = new TreeSet<>();
        leaves.forEach(l -> now.add(l.oid()));
        if (known == null) {
            known = now; // a stream checkpointed before leaves were kept: take today's as accounted for
            return true;
        }
        boolean left = known.retainAll(now); // detached or dropped: attached again later, copied again
        for (Leaf l : leaves) {
            if (!known.contains(l.oid())) {
                LOG.info("{} joined {}: copying the rows it had", l.qualified(), l.table().spec().sourceId());
                toCopy.add(l);
            }
        }
        return left;
    }

    private void open(Leaf leaf) throws SQLException {
        copy = PostgresTableCopy.begin(connections, "partition-copy");
        SourceTable table = PostgresCatalog.read(copy.connection(), leaf.table().spec(), true);
        copy.start(table, "FROM ONLY " + leaf.qualified() + (table.positionKeyed() ? String.format(BEFORE_LINK, leaf.oid()) : ""));
        copying = leaf;
    }

    private boolean copy(Consumer<ChangeRecord> out) throws SQLException {
        if (!copy.step(out, followed.apply(copying.table().spec().sourceId()))) {
            return false;
        }
        LOG.info("copied {} rows of {} into {}", copy.copied(), copying.qualified(), copying.table().spec().sourceId());
        known.add(copying.oid());
        toCopy.removeFirst();
        close();
        return true;
    }

    void close() {
        if (copy != null) {
            copy.close();
        }
        copy = null;
        copying = null;
    }
}
