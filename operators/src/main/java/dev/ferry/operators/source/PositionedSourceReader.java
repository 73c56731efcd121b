package dev.ferry.operators.source;

import dev.ferry.state.record.ChangeRecord;
import java.util.function.Function;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.source.reader.RecordEmitter;
import org.apache.flink.connector.base.source.reader.SourceReaderBase;
import org.apache.flink.connector.base.source.reader.fetcher.SplitFetcherManager;

/**
 * A reader of Ferry's sources, initial loads and change streams alike: each split's state is the
 * position of the last record emitted from it, which a checkpoint stores as a split again.
 *
 * @param <E> what the fetcher produces (a record with its position)
 * @param <S> a split
 * @param <P> a split's position while it is read
 */
public abstract class PositionedSourceReader<E, S extends SourceSplit, P extends PositionedSourceReader.Position<S>>
        extends SourceReaderBase<E, ChangeRecord, S, P> {

    /** A split's position while it is read. */
    public interface Position<S> {
        /** The split as a checkpoint stores it: continued after the last record emitted. */
        S toSplit();
    }

    private final Function<S, P> positions;

    protected PositionedSourceReader(SplitFetcherManager<E, S> fetchers, RecordEmitter<E, ChangeRecord, P> emitter,
            Function<S, P> positions, SourceReaderContext context) {
        super(fetchers, emitter, new Configuration(), context);
        this.positions = positions;
    }

    @Override
    protected final P initializedState(S split) {
        return positions.apply(split);
    }

    @Override
    protected final S toSplitType(String splitId, P position) {
        return position.toSplit();
    }
}
