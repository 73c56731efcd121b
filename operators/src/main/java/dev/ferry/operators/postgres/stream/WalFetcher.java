package dev.ferry.operators.postgres.stream;

import dev.ferry.operators.PipeSetupException;
import dev.ferry.operators.postgres.PostgresConnections;
import dev.ferry.operators.postgres.PostgresSql;
import dev.ferry.operators.postgres.setup.PostgresCatalog.SourceTable;
import dev.ferry.operators.postgres.setup.SlotManager;
import dev.ferry.operators.postgres.stream.PgOutputMessage.Begin;
import dev.ferry.operators.postgres.stream.PgOutputMessage.Commit;
import dev.ferry.operators.postgres.stream.PgOutputMessage.Delete;
import dev.ferry.operators.postgres.stream.PgOutputMessage.Insert;
import dev.ferry.operators.postgres.stream.PgOutputMessage.Relation;
import dev.ferry.operators.postgres.stream.PgOutputMessage.Truncate;
import dev.ferry.operators.postgres.stream.PgOutputMessage.Update;
import dev.ferry.operators.source.FetchPause;
import dev.ferry.state.record.ChangeRecord;
import dev.ferry.state.record.ChangeVersions;
import dev.ferry.state.record.SchemaChanged;
import dev.ferry.state.record.TableReloaded;
import dev.ferry.state.record.TableReloading;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.flink.connector.base.source.reader.RecordsBySplits;
import org.apache.flink.connector.base.source.reader.RecordsWithSplitIds;
import org.apache.flink.connector.base.source.reader.splitreader.SplitReader;
import org.apache.flink.connector.base.source.reader.splitreader.SplitsAddition;
import org.apache.flink.connector.base.source.reader.splitreader.SplitsChange;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.postgresql.PGConnection;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the pipe's slot with the pgoutput plugin (protocol 1, text values) on a replication
 * connection whose session prints values exactly as the initial load's sessions do
 * ({@link PostgresConnections#TEXT_FORMS}), and maps each message ({@link PgOutputChangeMapper}).
 *
 * <p>Positions: after a transaction's commit it hands on the commit's end LSN, where a restarted
 * stream resumes without sending that transaction again; a transaction cut by a checkpoint is sent
 * again whole, which rewrites identical rows (versions are the changes' own LSNs). While nothing
 * arrives and no transaction is open, the server's reported position is handed on too, so a quiet
 * pipe's slot does not hold WAL written for other tables. The slot's confirmed position only moves
 * when the reader says a checkpoint covering it completed ({@code confirm}), and never automatically.
 *
 * <p>A lost connection (Postgres restarting, the network cut) is re-opened here, 1 s later and then
 * doubling up to 30 s, from the last position handed on; errors waiting cannot heal fail the job.
 */
final class WalFetcher implements SplitReader<WalEvent, WalSplit> {
    private static final Logger LOG = LoggerFactory.getLogger(WalFetcher.class);
    private static final int MESSAGES_PER_FETCH = 5_000;
    private static final long IDLE_WAIT_MILLIS = 20;
    private static final int STATUS_INTERVAL_SECONDS = 10;
    /** After a restart, Postgres may still hold the slot for the old connection's walsender for a while. */
    private static final long SLOT_IN_USE_PATIENCE_MILLIS = 90_000;
    private static final long MICROS_2000_TO_1970 = 946_684_800_000_000L;
    private static final long MAX_RECONNECT_DELAY_MILLIS = 30_000;
    /**
     * Errors that waiting cannot heal: the slot or publication does not exist (42704), the password
     * or the replication right was refused (28P01, 28000, 42501). Anything else is retried.
     */
    private static final Set<String> PERMANENT = Set.of("42704", "28P01", "28000", "42501");
    private static final String UNDEFINED_OBJECT = "42704";

    private final PostgresConnections connections;
    private final String slot;
    private final String publication;
    private final List<SourceTable> tables;
    private final AtomicLong confirm;
    private final WalOptions options;
    private final FetchPause idle = new FetchPause();

    private WalSplit split;
    private PgOutputChangeMapper mapper;
    private PostgresPartitionWatch partitions;
    private PostgresTableReloads reloads;
    /** The reloads as last handed to the reader's checkpointed state. */
    private List<TableReload> reloadsHandedOn;
    private Map<String, PostgresTableStorage> storageHandedOn;
    private Map<String, Map<String, Integer>> loggedNamesHandedOn;
    private boolean started;
    private Connection conn;
    private PGReplicationStream stream;
    private long confirmed;
    private long handedOn;
    private long reconnectDelay;
    private long reconnectAt;
    private boolean inTransaction;
    private long commitMillis;
    private long commitLsn;

    WalFetcher(PostgresConnections connections, String slot, String publication, List<SourceTable> tables,
            WalOptions options, AtomicLong confirm) {
        this.connections = connections;
        this.slot = slot;
        this.publication = publication;
        this.tables = tables;
        this.options = options;
        this.confirm = confirm;
    }

    @Override
    public RecordsWithSplitIds<WalEvent> fetch() throws IOException {
        idle.reset();
        RecordsBySplits.Builder<WalEvent> batch = new RecordsBySplits.Builder<>();
        if (split == null) {
            idle.pause(IDLE_WAIT_MILLIS);
            return batch.build();
        }
        if (stream == null && System.currentTimeMillis() < reconnectAt) {
            idle.pause(Math.min(IDLE_WAIT_MILLIS * 10, reconnectAt - System.currentTimeMillis()));
            return batch.build();
        }
        try {
            if (stream == null) {
                open();
            }
            sendConfirmed();
            Consumer<ChangeRecord> out = r -> {
                batch.add(WalSplit.ID, WalEvent.of(r));
                if (r.marker() instanceof SchemaChanged c) {
                    batch.add(WalSplit.ID, WalEvent.schemaSent(c.schema()));
                } else if (r.marker() instanceof TableReloading t) {
                    batch.add(WalSplit.ID, WalEvent.schemaSent(t.schema()));
                    handOnReloads(batch);
                } else if (r.marker() instanceof TableReloaded) {
                    handOnReloads(batch);
                }
            };
            if (!started) {
                boolean asked = options.run() > split.reloadedRun() && !options.reloadTables().isEmpty();
                mapper.start(split.reloads(), asked ? options.reloadTables() : List.of(), options.reloadReason(), out);
                if (asked) {
                    batch.add(WalSplit.ID, WalEvent.reloadsOfRun(options.run()));
                }
                tables.forEach(t -> batch.add(WalSplit.ID, WalEvent.schemaSent(mapper.schema(t.spec().sourceId()))));
                started = true;
            }
            mapper.restartCutShort(out);
            handOnStorage(batch);
            for (int n = 0; n < MESSAGES_PER_FETCH && !idle.wokenUp(); n++) {
                ByteBuffer message = stream.readPending();
                if (message == null) {
                    long server = stream.getLastReceiveLSN().asLong();
                    if (!inTransaction && server > handedOn) {
                        handedOn = server;
                        batch.add(WalSplit.ID, WalEvent.restartAt(server));
                    }
                    if (n == 0 && partitions.idle() && !reloads.copying()) {
                        idle.pause(IDLE_WAIT_MILLIS);
                    }
                    break;
                }
                PgOutputMessage decoded = PgOutputDecoder.decode(message);
                handle(decoded, stream.getLastReceiveLSN().asLong(), out, batch);
                if (decoded instanceof Relation) {
                    handOnStorage(batch);
                }
            }
            mapper.completeRows();
            if (!inTransaction && partitions.step(out)) {
                batch.add(WalSplit.ID, WalEvent.leavesKnown(partitions.known()));
            }
            if (!inTransaction) {
                mapper.watchCatalog(out);
                handOnStorage(batch);
                reloads.step(out, mapper::schema);
            }
            handOnReloads(batch);
            reconnectDelay = 0;
        } catch (SQLException e) {
            close();
            IOException failure = new IOException("change stream from slot " + slot + " on " + connections.describe()
                    + " failed: " + PipeSetupException.firstLine(e), e);
            if (UNDEFINED_OBJECT.equals(e.getSQLState()) && String.valueOf(e.getMessage()).contains("replication slot")) {
                throw SlotGuardedEnumerator.dropped(slot);
            }
            if (PERMANENT.contains(e.getSQLState())) {
                throw new SuppressRestartsException(failure);
            }
            // Postgres restarting, the network cut: reconnect here, from the last position handed on. A
            // transaction cut short is sent again whole and rewrites identical rows.
            reconnectDelay = Math.min(MAX_RECONNECT_DELAY_MILLIS, Math.max(1_000, reconnectDelay * 2));
            reconnectAt = System.currentTimeMillis() + reconnectDelay;
            LOG.warn("{}; reconnecting in {} s", failure.getMessage(), reconnectDelay / 1000);
        }
        return batch.build();
    }

    /**
     * Hands the reloads to the reader's checkpointed state when they changed: right behind the marker
     * that started or ended one, so a checkpoint between the two holds what the writer was sent.
     */
    private void handOnReloads(RecordsBySplits.Builder<WalEvent> batch) {
        List<TableReload> now = reloads.state();
        if (!now.equals(reloadsHandedOn)) {
            reloadsHandedOn = now;
            batch.add(WalSplit.ID, WalEvent.reloading(now));
        }
    }

    /**
     * Hands the tables' storage and logged names on when the stream looked at them anew (at a relation,
     * a copy's start).
     */
    private void handOnStorage(RecordsBySplits.Builder<WalEvent> batch) {
        Map<String, PostgresTableStorage> now = mapper.storage();
        Map<String, Map<String, Integer>> names = mapper.loggedNames();
        if (!now.equals(storageHandedOn) || !names.equals(loggedNamesHandedOn)) {
            storageHandedOn = now;
            loggedNamesHandedOn = names;
            batch.add(WalSplit.ID, WalEvent.tablesSeen(now, names));
        }
    }

    private void handle(PgOutputMessage message, long lsn, Consumer<ChangeRecord> out,
            RecordsBySplits.Builder<WalEvent> batch) throws SQLException {
        if (message instanceof Begin b) {
            inTransaction = true;
            commitLsn = b.finalLsn();
            reloads.committing(b.finalLsn());
            mapper.begin(b.finalLsn(), Integer.toUnsignedLong(b.xid()));
            commitMillis = (b.commitMicros() + MICROS_2000_TO_1970) / 1000;
        } else if (message instanceof Commit c) {
            inTransaction = false;
            handedOn = Math.max(handedOn, c.endLsn());
            batch.add(WalSplit.ID, WalEvent.restartAt(c.endLsn()));
        } else if (message instanceof Relation r) {
            mapper.relation(r, out);
        } else if (message instanceof Insert i) {
            mapper.insert(i, ChangeVersions.change(lsn), commitMillis, out);
        } else if (message instanceof Update u) {
            mapper.update(u, ChangeVersions.change(lsn), commitMillis, out);
        } else if (message instanceof Delete d) {
            mapper.delete(d, ChangeVersions.change(lsn), commitMillis, out);
        } else if (message instanceof Truncate t) {
            mapper.truncate(t, ChangeVersions.change(lsn), commitLsn, out);
        }
        // origin, type and logical messages carry nothing to replicate
    }

    private void open() throws SQLException {
        checkSlotPosition();
        long started = System.currentTimeMillis();
        while (true) {
            conn = connections.openReplication("changes");
            try (Statement st = conn.createStatement()) {
                st.execute(PostgresConnections.TEXT_FORMS);
                stream = conn.unwrap(PGConnection.class).getReplicationAPI().replicationStream().logical()
                        .withSlotName(slot)
                        .withStartPosition(LogSequenceNumber.valueOf(handedOn))
                        .withSlotOption("proto_version", "1")
                        .withSlotOption("publication_names", PostgresSql.quoteIdent(publication))
                        .withStatusInterval(STATUS_INTERVAL_SECONDS, TimeUnit.SECONDS)
                        .withAutomaticFlush(false)
                        .start();
                LOG.info("change stream from slot {} started at {}", slot, handedOn == 0
                        ? "the slot's confirmed position" : LogSequenceNumber.valueOf(handedOn));
                inTransaction = false;
                return;
            } catch (SQLException e) {
                conn.close();
                conn = null;
                boolean inUse = "55006".equals(e.getSQLState());
                if (!inUse || System.currentTimeMillis() - started > SLOT_IN_USE_PATIENCE_MILLIS) {
                    throw e;
                }
                LOG.info("replication slot {} is still in use (a previous run's walsender?); waiting", slot);
                sleep(1_000);
            }
        }
    }

    /**
     * Fails the pipe when the slot starts after where this stream stands: the slot only moves when
     * the stream confirms a completed checkpoint, whose position is never past the one the stream
     * resumes from, so the slot was dropped and created again (or moved by someone else) while the
     * pipe was stopped. Postgres would silently start at the slot's position and the changes in between
     * would be lost. A run that copies every table again needs none of them.
     */
    private void checkSlotPosition() throws SQLException {
        if (handedOn == 0 || options.copiesEveryTable()) {
            return;
        }
        Optional<SlotManager.SlotInfo> info;
        try (Connection check = connections.open("changes")) {
            info = SlotManager.slot(check, slot);
        }
        if (info.isPresent() && info.get().confirmedFlushLsn() > handedOn) {
            throw new SuppressRestartsException(new IllegalStateException("replication slot " + slot + " starts at "
                    + LogSequenceNumber.valueOf(info.get().confirmedFlushLsn()).asString() + ", after this pipe's position "
                    + LogSequenceNumber.valueOf(handedOn).asString() + ": it was dropped and created again while the pipe was"
                    + " stopped, and the changes in between are lost: resync the pipe"));
        }
    }

    /** Tells the server how far a completed checkpoint covers, so the slot can release WAL. */
    private void sendConfirmed() throws SQLException {
        long lsn = confirm.get();
        if (lsn > confirmed) {
            LogSequenceNumber position = LogSequenceNumber.valueOf(lsn);
            stream.setFlushedLSN(position);
            stream.setAppliedLSN(position);
            stream.forceUpdateStatus();
            confirmed = lsn;
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void handleSplitsChanges(SplitsChange<WalSplit> change) {
        if (!(change instanceof SplitsAddition) || change.splits().size() != 1 || split != null) {
            throw new UnsupportedOperationException("the change stream fetcher follows exactly one slot: " + change);
        }
        split = change.splits().get(0);
        handedOn = split.restartLsn();
        reloads = new PostgresTableReloads(connections, tables);
        reloadsHandedOn = split.reloads();
        storageHandedOn = split.storage();
        loggedNamesHandedOn = split.loggedNames();
        mapper = new PgOutputChangeMapper(connections, tables, split.schemas(), split.storage(), split.loggedNames(), reloads,
                options.reloadIncompatible());
        partitions = new PostgresPartitionWatch(connections, tables, split.leaves(), mapper::schema);
    }

    @Override
    public void wakeUp() {
        idle.wakeUp();
    }

    @Override
    public void close() {
        if (mapper != null) {
            mapper.close();
            partitions.close();
            reloads.close();
        }
        try {
            if (stream != null) {
                stream.close();
            }
        } catch (SQLException e) {
            LOG.debug("closing the change stream: {}", e.getMessage());
        }
        try {
            if (conn != null) {
                conn.close();
            }
        } catch (SQLException e) {
            LOG.debug("closing the replication connection: {}", e.getMessage());
        }
        stream = null;
        conn = null;
    }
}
