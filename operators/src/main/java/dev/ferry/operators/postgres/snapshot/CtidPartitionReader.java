package dev.ferry.operators.postgres.snapshot;

import dev.ferry.operators.load.PartitionSplitReader;
import dev.ferry.operators.load.StartedOver;
import dev.ferry.operators.postgres.setup.PostgresCatalog.SourceTable;
import dev.ferry.operators.postgres.setup.PostgresCatalog;
import dev.ferry.operators.postgres.snapshot.SnapshotEvents.SnapshotGrant;
import dev.ferry.state.record.ChangeRecord;
import dev.ferry.state.record.SchemaChanged;
import dev.ferry.state.record.SnapshotRestarted;
import dev.ferry.state.schema.TableSchema;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.connector.base.source.reader.RecordsBySplits;
import org.postgresql.PGResultSetMetaData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads partitions one after another on the fetcher thread, streaming each with a server-side
 * cursor (never a whole partition in memory). Each partition is read in a repeatable-read
 * transaction that imported the enumerator's snapshot, on a connection the subtask's readers share
 * ({@link CtidReadConnections}). Each row travels with its
 * ctid, so a checkpoint can record where to continue. After a partition's last row it emits a
 * {@code SnapshotUnitDone} marker.
 *
 * <p>A partition of an abandoned plan of its table (the grant names a newer one) is finished without
 * reading it: the newer plan covers the whole table. A partition whose table's files were replaced
 * since its plan is finished unread too, and the enumerator told ({@link CtidRow#rewritten}): its
 * ctids no longer name the rows they did. The first partition of a newer plan says so downstream
 * ({@link SnapshotRestarted}) before its rows.
 *
 * <p>Columns are read as the catalog has them when a partition starts (a query naming a column
 * dropped since the job was built would fail at every restart, and a DDL can come between two
 * partitions): a table whose shape differs from the job's is announced downstream first
 * ({@link SchemaChanged}), as the change stream does.
 */
final class CtidPartitionReader extends PartitionSplitReader<CtidRow, CtidPartition> {
    private static final Logger LOG = LoggerFactory.getLogger(CtidPartitionReader.class);
    private static final int CURSOR_FETCH_SIZE = 10_000;

    private final CtidSnapshotSource source;
    private final Map<String, SourceTable> tables;
    private final CompletableFuture<SnapshotGrant> grant;

    private final CtidReadConnections connections;
    private Connection conn;
    private long version;
    private PreparedStatement statement;
    private ResultSet rows;
    private PostgresRowReader rowReader;
    private boolean ctidBinary;
    /** Per table, the shape last logged as changed (shared by the subtask's readers): said once, not per partition. */
    private final Map<String, TableSchema> shapesLogged;

    CtidPartitionReader(CtidSnapshotSource source, CompletableFuture<SnapshotGrant> grant,
            Map<String, TableSchema> shapesLogged, CtidReadConnections connections) {
        this.source = source;
        this.connections = connections;
        this.shapesLogged = shapesLogged;
        this.tables = source.tablesById();
        this.grant = grant;
    }

    @Override
    protected boolean readyToOpen() throws IOException {
        return awaitGrant() != null;
    }

    @Override
    protected CtidRow nextRow() throws SQLException {
        if (!rows.next()) {
            return null;
        }
        return new CtidRow(ChangeRecord.row(current().table(), ChangeRecord.Kind.SNAPSHOT, version,
                rowReader.read(rows, 2)), ctid());
    }

    @Override
    protected CtidRow marker(ChangeRecord marker) {
        return CtidRow.marker(marker);
    }

    /** The current row's ctid: binary on the bulk connection (6 bytes, no text made at either end), else text. */
    private long ctid() throws SQLException {
        return (ctidBinary ? Tid.fromBinary(rows.getBytes(1)) : Tid.parse(rows.getString(1))).packed();
    }

    private SnapshotGrant awaitGrant() throws IOException {
        while (!wokenUp()) {
            try {
                return grant.get(100, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                // keep waiting, but notice wake-ups
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the snapshot", e);
            } catch (ExecutionException e) {
                throw new IOException("no snapshot to read under", e.getCause());
            }
        }
        return null;
    }

    /** Starts reading {@code partition}; false when it is not to be read (see the class comment). */
    @Override
    protected boolean open(CtidPartition partition, RecordsBySplits.Builder<CtidRow> batch) throws SQLException {
        SnapshotGrant snapshot = grant.getNow(null);
        version = snapshot.version();
        if (partition.pass() < snapshot.passOf(partition.table())) {
            LOG.info("skipping partition {}: its table's load started over", partition.splitId());
            return false;
        }
        conn = connections.inSnapshot(snapshot.snapshotId());
        SourceTable table = shape(partition.table(), batch, partition.splitId());
        String comment = "ferry pipe=" + source.pipe() + " table=" + partition.table() + " partition "
                + (partition.index() + 1) + "/" + partition.count() + " ctid " + partition.describeRange();
        String sql = "SELECT /* " + comment.replace("*/", "") + " */ ctid, "
                + String.join(", ", table.selectExpressions())
                + " FROM " + partition.relation(table.qualifiedName()) + partition.whereClause();
        statement = conn.prepareStatement(sql, ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY);
        statement.setFetchSize(CURSOR_FETCH_SIZE);
        rows = statement.executeQuery();
        // The query holds the table's lock now, so its files cannot change under the read; they may have before it.
        String relation = partition.leaf() != null ? partition.leaf() : table.qualifiedName();
        if (partition.files() != 0 && CtidPartitionPlanner.files(conn, relation) != partition.files()) {
            LOG.info("skipping partition {}: {} was rewritten since it was planned", partition.splitId(), relation);
            closePartition();
            batch.add(partition.splitId(), CtidRow.rewritten(partition));
            return false;
        }
        StartedOver over = snapshot.startedOver().get(partition.table());
        if (partition.index() == 0 && over != null && over.pass() == partition.pass() && over.version() != 0) {
            // the version the plan began at, not this snapshot's: rows of this plan read before a restart stay
            batch.add(partition.splitId(), CtidRow.marker(ChangeRecord.marker(partition.table(),
                    new SnapshotRestarted(over.version()))));
        }
        rowReader = new PostgresRowReader(table.schema().columns());
        ctidBinary = rows.getMetaData().unwrap(PGResultSetMetaData.class).getFormat(1) == 1;
        return true;
    }

    /**
     * The table as the catalog has it now (outside the snapshot: a query is planned against the
     * current catalog); a shape other than the job's is announced first.
     */
    private SourceTable shape(String id, RecordsBySplits.Builder<CtidRow> batch, String splitId) throws SQLException {
        SourceTable built = tables.get(id);
        SourceTable now;
        try {
            now = PostgresCatalog.read(connections.catalog(), built.spec(), source.exporter().changesFollow());
        } catch (dev.ferry.operators.PipeSetupException e) {
            // no longer fit for a pipe (its key gone, say): the change stream says so; read it as built
            LOG.warn("{}: {}; reading it as the job was built", id, e.getMessage());
            return built;
        }
        if (!now.schema().equals(built.schema())) {
            if (!now.schema().equals(shapesLogged.put(id, now.schema()))) {
                LOG.info("{} changed shape since the job started: reading columns {}", id, now.schema().columnNames());
            }
            batch.add(splitId, CtidRow.marker(ChangeRecord.marker(id, new SchemaChanged(now.schema()))));
        }
        return now;
    }

    @Override
    protected void closePartition() throws SQLException {
        rows.close();
        statement.close();
        rows = null;
        statement = null;
    }

    /** Closes what this reader has open; the connections are the subtask's (see {@link CtidReadConnections}). */
    @Override
    public void close() throws Exception {
        if (statement != null) {
            closePartition();
        }
    }
}
