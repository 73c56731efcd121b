package dev.ferry.operators.load;

import java.io.Serializable;
import org.apache.flink.api.connector.source.SourceSplit;

/** One unit of an initial load: partition {@code index} of {@code count} of a table (or collection). */
public interface LoadPartition extends SourceSplit, Serializable {
    String table();

    int index();

    int count();

    /** The split id all partitions use: {@code <table>#<index>}. */
    static String splitId(String table, int index) {
        return table + "#" + index;
    }
}
