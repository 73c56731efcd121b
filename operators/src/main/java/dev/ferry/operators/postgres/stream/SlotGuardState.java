package dev.ferry.operators.postgres.stream;

/**
 * Checkpoint of the WAL source's enumerator: the wrapped enumerator's state and whether this pipe's
 * slot has been seen, so a slot missing later is known to be dropped, not yet created.
 */
record SlotGuardState<E>(E delegate, boolean slotSeen) {}
