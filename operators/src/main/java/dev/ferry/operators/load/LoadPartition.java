package dev.ferry.operators.load;

import dev.ferry.state.record.SnapshotUnitDone;
import java.io.Serializable;
import org.apache.flink.api.connector.source.SourceSplit;

/** One unit of an initial load: partition {@code index} of {@code count} of a table (or collection). */
public interface LoadPartition extends SourceSplit, Serializable {
    String table();

    int index();

    int count();

    /** Rows of the partition already emitted before a restore (0 for a partition as planned). */
    long rowsBefore();

    /** The partition's range, for logs and messages. */
    String describeRange();

    /** Which plan of its table this partition is from: 0, or more once the table's load started over. */
    default int pass() {
        return 0;
    }

    /** The split id all partitions use: {@code <table>#<index>}, {@code @<pass>} appended after the first plan. */
    static String splitId(String table, int pass, int index) {
        return SnapshotUnitDone.id(table, pass, index);
    }
}
