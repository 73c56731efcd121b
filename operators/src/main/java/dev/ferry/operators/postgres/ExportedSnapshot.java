package dev.ferry.operators.postgres;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * A snapshot other transactions can import with {@code SET TRANSACTION SNAPSHOT}; it stays
 * importable while {@code holder} stays open and idle. {@code lsn} is the version of rows read
 * under it: at or after every commit the snapshot sees. {@code xids} says which transactions it
 * sees ({@link PostgresXidSnapshot}).
 */
public final class ExportedSnapshot implements AutoCloseable {
    private final String id;
    private final long lsn;
    private final PostgresXidSnapshot xids;
    private final Connection holder;

    public ExportedSnapshot(String id, long lsn, PostgresXidSnapshot xids, Connection holder) {
        this.id = id;
        this.lsn = lsn;
        this.xids = xids;
        this.holder = holder;
    }

    public PostgresXidSnapshot xids() {
        return xids;
    }

    public String id() {
        return id;
    }

    public long lsn() {
        return lsn;
    }

    @Override
    public void close() throws SQLException {
        holder.close();
    }
}
