package dev.ferry.operators.mongo;

import java.util.List;
import java.util.function.Supplier;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.source.reader.fetcher.SplitFetcher;
import org.apache.flink.connector.base.source.reader.fetcher.SplitFetcherManager;
import org.apache.flink.connector.base.source.reader.splitreader.SplitReader;

/** One fetcher thread per collection's change stream: a cursor waiting for events blocks only its own thread. */
final class MongoChangeStreamFetchers extends SplitFetcherManager<MongoChangeEvent, MongoChangeStreamSplit> {

    MongoChangeStreamFetchers(Supplier<SplitReader<MongoChangeEvent, MongoChangeStreamSplit>> fetcher) {
        super(fetcher, new Configuration());
    }

    @Override
    public void addSplits(List<MongoChangeStreamSplit> splits) {
        for (MongoChangeStreamSplit split : splits) {
            SplitFetcher<MongoChangeEvent, MongoChangeStreamSplit> fetcher = createSplitFetcher();
            fetcher.addSplits(List.of(split));
            startFetcher(fetcher);
        }
    }

    @Override
    public void removeSplits(List<MongoChangeStreamSplit> splits) {
        throw new UnsupportedOperationException("change streams are not removed from a running reader");
    }
}
