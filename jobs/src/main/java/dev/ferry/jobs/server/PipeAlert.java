package dev.ferry.jobs.server;

/** What Ferry alerts on, per pipe. */
public enum PipeAlert {
    /** The pipe is Failed: it stopped for good and needs a resync or a fix. */
    FAILED("failed"),
    /** Replication lag over the threshold for longer than the hold time. */
    LAG("lag"),
    /** The pipe's replication slot holds more WAL than the threshold. */
    SLOT_WAL("slot_wal"),
    /** Flink has been restarting the pipe's job for longer than the hold time. */
    RETRYING("retrying");

    private final String label;

    PipeAlert(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
