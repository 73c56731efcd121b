package dev.ferry.operators.postgres.stream;

import dev.ferry.state.record.ChangeRecord;
import dev.ferry.state.schema.TableSchema;
import java.util.List;
import java.util.Map;

/**
 * What the change stream's fetcher hands the reader: a record to emit, or (record null) a change of
 * what a restart needs: the position it may begin at now that everything before it was handed over,
 * the leaf partitions accounted for, a table's schema as now sent, the tables being copied again,
 * the run whose requested copies were started, or the tables as last looked at (their storage, and
 * the column names their rows were last logged with).
 */
record WalEvent(ChangeRecord record, long restartLsn, List<Long> leaves, TableSchema schema, List<TableReload> reloads,
        int reloadedRun, Map<String, PostgresTableStorage> storage, Map<String, Map<String, Integer>> loggedNames) {
    static WalEvent of(ChangeRecord record) {
        return new WalEvent(record, 0, null, null, null, 0, null, null);
    }

    static WalEvent restartAt(long lsn) {
        return new WalEvent(null, lsn, null, null, null, 0, null, null);
    }

    static WalEvent leavesKnown(List<Long> leaves) {
        return new WalEvent(null, 0, leaves, null, null, 0, null, null);
    }

    static WalEvent schemaSent(TableSchema schema) {
        return new WalEvent(null, 0, null, schema, null, 0, null, null);
    }

    static WalEvent reloading(List<TableReload> reloads) {
        return new WalEvent(null, 0, null, null, reloads, 0, null, null);
    }

    static WalEvent tablesSeen(Map<String, PostgresTableStorage> storage, Map<String, Map<String, Integer>> loggedNames) {
        return new WalEvent(null, 0, null, null, null, 0, storage, loggedNames);
    }

    /** The tables run {@code run} asked to copy again are being copied. */
    static WalEvent reloadsOfRun(int run) {
        return new WalEvent(null, 0, null, null, null, run, null, null);
    }
}
