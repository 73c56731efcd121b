package dev.ferry.operators.postgres;

import dev.ferry.state.record.ChangeRecord;
import java.util.List;

/**
 * What the change stream's fetcher hands the reader: a record to emit, or (record null) the position
 * a restart may begin at now that everything before it was handed over, or the leaf partitions
 * accounted for now that the rows of a new one were handed over.
 */
record WalEvent(ChangeRecord record, long restartLsn, List<Long> leaves) {
    static WalEvent of(ChangeRecord record) {
        return new WalEvent(record, 0, null);
    }

    static WalEvent restartAt(long lsn) {
        return new WalEvent(null, lsn, null);
    }

    static WalEvent leavesKnown(List<Long> leaves) {
        return new WalEvent(null, 0, leaves);
    }
}
