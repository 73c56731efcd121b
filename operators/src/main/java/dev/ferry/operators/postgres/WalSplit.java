package dev.ferry.operators.postgres;

import org.apache.flink.api.connector.source.SourceSplit;

/**
 * The pipe's change stream as a split: where to restart it. {@code restartLsn} is the end of the
 * last transaction whose changes were all emitted (or a position the server reported past every
 * transaction sent); 0 starts at the slot's confirmed position.
 */
record WalSplit(long restartLsn) implements SourceSplit {
    static final String ID = "wal";

    @Override
    public String splitId() {
        return ID;
    }
}
