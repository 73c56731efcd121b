package dev.ferry.operators.postgres;

import dev.ferry.state.record.ChangeRecord;

/**
 * What the change stream's fetcher hands the reader: a record to emit, or (record null) the position
 * a restart may begin at now that everything before it was handed over.
 */
record WalEvent(ChangeRecord record, long restartLsn) {
    static WalEvent of(ChangeRecord record) {
        return new WalEvent(record, 0);
    }

    static WalEvent restartAt(long lsn) {
        return new WalEvent(null, lsn);
    }
}
