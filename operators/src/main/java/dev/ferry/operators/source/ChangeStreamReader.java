package dev.ferry.operators.source;

import dev.ferry.state.record.ChangeRecord;
import java.util.Map;
import java.util.function.Function;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.connector.base.source.reader.RecordEmitter;
import org.apache.flink.connector.base.source.reader.fetcher.SplitFetcherManager;

/**
 * The task side of a change stream, whatever the source: its splits never finish.
 *
 * @param <E> what the fetcher produces (an event with its position)
 * @param <S> a split
 * @param <P> a split's position while it is read
 */
public abstract class ChangeStreamReader<E, S extends SourceSplit, P extends PositionedSourceReader.Position<S>>
        extends PositionedSourceReader<E, S, P> {

    protected ChangeStreamReader(SplitFetcherManager<E, S> fetchers, RecordEmitter<E, ChangeRecord, P> emitter,
            Function<S, P> positions, SourceReaderContext context) {
        super(fetchers, emitter, positions, context);
    }

    @Override
    protected final void onSplitFinished(Map<String, P> finished) {
        // A change stream never finishes: a source whose stream ends fails the pipe instead.
    }
}
