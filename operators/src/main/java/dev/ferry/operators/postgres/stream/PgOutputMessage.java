package dev.ferry.operators.postgres.stream;

import java.util.List;

/**
 * The messages of Postgres' {@code pgoutput} logical decoding plugin, protocol version 1, as
 * {@link PgOutputDecoder} reads them. Column values stay in Postgres' text output form.
 */
sealed interface PgOutputMessage {

    /** A transaction starts; {@code finalLsn} is where its commit record is. */
    record Begin(long finalLsn, long commitMicros, int xid) implements PgOutputMessage {}

    /** A transaction ends; a stream restarted at {@code endLsn} does not send it again. */
    record Commit(long commitLsn, long endLsn, long commitMicros) implements PgOutputMessage {}

    /**
     * A table's shape as the rows after it were logged: sent before its first change in a session
     * and again whenever it changed. {@code replicaIdentity} is {@code d}, {@code f}, {@code i} or
     * {@code n}.
     */
    record Relation(int oid, String namespace, String name, char replicaIdentity, List<RelationColumn> columns)
            implements PgOutputMessage {}

    record RelationColumn(String name, boolean key, int typeOid, int typeMod) {}

    record Insert(int relation, Tuple row) implements PgOutputMessage {}

    /**
     * {@code old} is the old row (replica identity full, {@code oldKind} 'O'), its old key (the key
     * changed, 'K'), or null.
     */
    record Update(int relation, char oldKind, Tuple old, Tuple row) implements PgOutputMessage {}

    /** {@code old} holds the key columns ('K') or the whole row ('O'). */
    record Delete(int relation, char oldKind, Tuple old) implements PgOutputMessage {}

    record Truncate(List<Integer> relations, boolean cascade, boolean restartIdentity) implements PgOutputMessage {}

    /** Anything else the plugin may send (origin, type, logical message): not needed to replicate rows. */
    record Other(char type) implements PgOutputMessage {}

    /**
     * A row's values in the relation's column order, each Postgres' text output or null; a value
     * that is {@link #unchanged(int)} is a TOASTed value an update did not touch and did not log.
     */
    record Tuple(String[] values, boolean[] unchangedToast) {
        public int size() {
            return values.length;
        }

        public boolean unchanged(int column) {
            return unchangedToast[column];
        }
    }
}
