package dev.ferry.operators.load;

import java.util.List;
import org.apache.flink.api.connector.source.SourceEvent;

/** Messages every initial load's readers send their enumerator. */
public final class LoadEvents {
    private LoadEvents() {}

    /** Every row of this partition has been emitted. */
    public record PartitionFinished<P extends LoadPartition>(P partition) implements SourceEvent {}

    /** The partitions a reader restored from a checkpoint (none on a fresh start), sent once as it starts. */
    public record PartitionsHeld(List<String> splitIds) implements SourceEvent {}
}
