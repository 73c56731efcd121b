package dev.ferry.operators.postgres;

import dev.ferry.state.record.ChangeRecord;
import dev.ferry.state.schema.TableSchema;
import java.util.List;

/**
 * What the change stream's fetcher hands the reader: a record to emit, or (record null) a change of
 * what a restart needs: the position it may begin at now that everything before it was handed over,
 * the leaf partitions accounted for, a table's schema as now sent, the tables being copied again, or
 * the run whose requested copies were started.
 */
record WalEvent(ChangeRecord record, long restartLsn, List<Long> leaves, TableSchema schema, List<TableReload> reloads,
        int reloadedRun) {
    static WalEvent of(ChangeRecord record) {
        return new WalEvent(record, 0, null, null, null, 0);
    }

    static WalEvent restartAt(long lsn) {
        return new WalEvent(null, lsn, null, null, null, 0);
    }

    static WalEvent leavesKnown(List<Long> leaves) {
        return new WalEvent(null, 0, leaves, null, null, 0);
    }

    static WalEvent schemaSent(TableSchema schema) {
        return new WalEvent(null, 0, null, schema, null, 0);
    }

    static WalEvent reloading(List<TableReload> reloads) {
        return new WalEvent(null, 0, null, null, reloads, 0);
    }

    /** The tables run {@code run} asked to copy again are being copied. */
    static WalEvent reloadsOfRun(int run) {
        return new WalEvent(null, 0, null, null, null, run);
    }
}
