package dev.ferry.operators.postgres.stream;

/**
 * A table the change stream is copying again, as checkpointed: the copy's snapshot (its transactions,
 * {@link PostgresXidSnapshot} text form), a WAL position past every commit it saw, and whether every
 * row was handed on. A copy cut by a restart is made again whole; a finished one still filters the
 * table's changes until the stream passes {@code positionAfter}.
 */
record TableReload(String table, String snapshot, long positionAfter, boolean copied) {}
