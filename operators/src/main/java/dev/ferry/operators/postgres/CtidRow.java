package dev.ferry.operators.postgres;

import dev.ferry.state.record.ChangeRecord;

/**
 * A record read by the initial load with the ctid it was read at, in Postgres' text form (parsed only
 * when a checkpoint needs it); null for markers. Or, with no record, news for the enumerator: the
 * table of partition {@code rewritten} was rewritten since that partition was planned.
 */
record CtidRow(ChangeRecord record, String ctid, CtidPartition rewritten) {

    CtidRow(ChangeRecord record, String ctid) {
        this(record, ctid, null);
    }

    static CtidRow rewritten(CtidPartition partition) {
        return new CtidRow(null, null, partition);
    }
}
