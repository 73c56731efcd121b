package dev.ferry.operators.postgres.snapshot;

import dev.ferry.operators.postgres.PostgresConnections;
import dev.ferry.operators.postgres.PostgresSql;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The two connections a load subtask's partition readers share, opened once per subtask: Flink
 * makes a new partition reader whenever an idle fetcher gets work, which is every partition, and a
 * connection each time costs a backend start, an authentication on both sides and a cold catalog
 * cache (102 connections for a 51-partition table). One reads each partition in a repeatable-read
 * transaction that imported the snapshot; the other, in autocommit, reads the catalog as it is now.
 */
final class CtidReadConnections implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CtidReadConnections.class);

    private final PostgresConnections connections;
    private Connection snapshot;
    private Connection catalog;

    CtidReadConnections(PostgresConnections connections) {
        this.connections = connections;
    }

    /**
     * The snapshot connection in a new transaction that imported {@code id}, the exported snapshot:
     * one per partition, as when each had a connection of its own, so the locks a partition's read
     * took (which hold off DDL on its table) end with it.
     */
    synchronized Connection inSnapshot(String id) throws SQLException {
        if (snapshot != null && snapshot.isClosed()) {
            snapshot = null;
        }
        if (snapshot == null) {
            snapshot = connections.openTableRead("snapshot");
        }
        try (Statement st = snapshot.createStatement()) {
            snapshot.rollback(); // the previous partition's transaction, read-only: nothing to keep
            st.execute("SET TRANSACTION SNAPSHOT " + PostgresSql.quoteLiteral(id));
        } catch (SQLException | RuntimeException e) {
            close(snapshot);
            snapshot = null;
            throw e;
        }
        return snapshot;
    }

    /** The connection that reads the catalog outside the snapshot. */
    synchronized Connection catalog() throws SQLException {
        if (catalog != null && catalog.isClosed()) {
            catalog = null;
        }
        if (catalog == null) {
            catalog = connections.open("snapshot-catalog");
        }
        return catalog;
    }

    @Override
    public synchronized void close() {
        close(snapshot);
        close(catalog);
        snapshot = null;
        catalog = null;
    }

    private static void close(Connection conn) {
        if (conn == null) {
            return;
        }
        try {
            conn.close();
        } catch (SQLException e) {
            LOG.debug("closing a snapshot read connection failed", e);
        }
    }
}
