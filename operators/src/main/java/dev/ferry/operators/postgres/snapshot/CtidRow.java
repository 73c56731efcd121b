package dev.ferry.operators.postgres.snapshot;

import dev.ferry.state.record.ChangeRecord;

/**
 * A record read by the initial load with the ctid it was read at ({@link Tid#packed}; {@link #NO_CTID}
 * for markers). Or, with no record, news for the enumerator: the
 * table of partition {@code rewritten} was rewritten since that partition was planned.
 */
record CtidRow(ChangeRecord record, long ctid, CtidPartition rewritten) {
    static final long NO_CTID = -1;

    CtidRow(ChangeRecord record, long ctid) {
        this(record, ctid, null);
    }

    static CtidRow marker(ChangeRecord marker) {
        return new CtidRow(marker, NO_CTID);
    }

    static CtidRow rewritten(CtidPartition partition) {
        return new CtidRow(null, NO_CTID, partition);
    }
}
