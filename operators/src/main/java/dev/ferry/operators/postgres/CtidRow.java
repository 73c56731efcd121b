package dev.ferry.operators.postgres;

import dev.ferry.state.record.ChangeRecord;

/**
 * A record read by the initial load with the ctid it was read at, in Postgres' text form (parsed only
 * when a checkpoint needs it); null for the partition's end marker.
 */
record CtidRow(ChangeRecord record, String ctid) {}
