package dev.ferry.operators.postgres;

import org.apache.flink.api.connector.source.SourceSplit;

import java.util.List;

/**
 * The pipe's change stream as a split: where to restart it. {@code restartLsn} is the end of the
 * last transaction whose changes were all emitted (or a position the server reported past every
 * transaction sent); 0 starts at the slot's confirmed position. {@code leaves}: the leaf partitions
 * (oids) whose rows are accounted for ({@link PostgresPartitionWatch}); null before they were listed.
 */
record WalSplit(long restartLsn, List<Long> leaves) implements SourceSplit {
    static final String ID = "wal";

    @Override
    public String splitId() {
        return ID;
    }
}
