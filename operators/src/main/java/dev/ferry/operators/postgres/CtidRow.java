package dev.ferry.operators.postgres;

import dev.ferry.state.record.ChangeRecord;

/**
 * A record read by the initial load with the ctid it was read at, the bytes of Postgres' text form
 * (decoded only when a checkpoint needs it); null for markers. Or, with no record, news for the enumerator: the
 * table of partition {@code rewritten} was rewritten since that partition was planned.
 */
record CtidRow(ChangeRecord record, byte[] ctid, CtidPartition rewritten) {

    CtidRow(ChangeRecord record, byte[] ctid) {
        this(record, ctid, null);
    }

    static CtidRow rewritten(CtidPartition partition) {
        return new CtidRow(null, null, partition);
    }
}
