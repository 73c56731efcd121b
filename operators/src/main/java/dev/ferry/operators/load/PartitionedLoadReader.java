package dev.ferry.operators.load;

import dev.ferry.operators.load.LoadEvents.PartitionFinished;
import dev.ferry.operators.load.LoadEvents.PartitionsHeld;
import dev.ferry.operators.source.PositionedSourceReader;
import dev.ferry.state.record.ChangeRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.source.reader.RecordEmitter;
import org.apache.flink.connector.base.source.reader.fetcher.SingleThreadFetcherManager;
import org.apache.flink.connector.base.source.reader.splitreader.SplitReader;

/**
 * The task side of an initial load: asks for partitions one at a time and tells the enumerator when
 * a partition's rows have all been emitted, so it can hand out the next.
 *
 * @param <E> what the split reader produces (a record with its position)
 * @param <P> a partition
 * @param <S> a partition's mutable state (its read position)
 */
public abstract class PartitionedLoadReader<E, P extends LoadPartition, S extends PartitionProgress<P>>
        extends PositionedSourceReader<E, P, S> {

    /** Partitions added before {@link #start}: those restored from a checkpoint. */
    private final List<String> restored = new ArrayList<>();
    private boolean started;

    protected PartitionedLoadReader(Supplier<SplitReader<E, P>> splitReader, RecordEmitter<E, ChangeRecord, S> emitter,
            Function<P, S> progress, SourceReaderContext context) {
        // one fetcher thread reads the partitions handed to this subtask, one after another
        super(new SingleThreadFetcherManager<>(splitReader, new Configuration()), emitter, progress, context);
    }

    @Override
    public void addSplits(List<P> splits) {
        if (!started) {
            splits.forEach(p -> restored.add(p.splitId()));
        }
        super.addSplits(splits);
    }

    @Override
    public void start() {
        started = true;
        // Before asking for work: the enumerator restored from the same checkpoint waits to learn which
        // of its handed-out partitions are still with a reader.
        context.sendSourceEventToCoordinator(new PartitionsHeld(List.copyOf(restored)));
        if (getNumberOfCurrentlyAssignedSplits() == 0) {
            context.sendSplitRequest();
        }
    }

    @Override
    protected void onSplitFinished(Map<String, S> finished) {
        // Runs on the task thread after the partition's last record (its marker) was emitted.
        for (S state : finished.values()) {
            context.sendSourceEventToCoordinator(new PartitionFinished<>(state.partition()));
        }
        context.sendSplitRequest();
    }
}
