package dev.ferry.operators.postgres;

import java.nio.charset.StandardCharsets;

/** A reader's position in a partition: the last ctid emitted and rows emitted so far. */
final class PartitionProgress {
    private final CtidPartition partition;
    private byte[] lastText;
    private Tid last;
    private long rows;

    PartitionProgress(CtidPartition partition) {
        this.partition = partition;
        this.last = partition.resumeAfter();
        this.rows = partition.rowsBefore();
    }

    /** Per row: keeps the text's bytes, parsing them only for a checkpoint. */
    void emitted(byte[] ctid) {
        lastText = ctid;
        rows++;
    }

    CtidPartition partition() {
        return partition;
    }

    /** The partition as a checkpoint stores it: continued after the last emitted row. */
    CtidPartition toSplit() {
        if (lastText != null) {
            last = Tid.parse(new String(lastText, StandardCharsets.US_ASCII));
            lastText = null;
        }
        return last == null ? partition.resumingAtStart() : partition.resumingAfter(last, rows);
    }
}
