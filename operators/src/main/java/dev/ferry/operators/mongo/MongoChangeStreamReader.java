package dev.ferry.operators.mongo;

import com.mongodb.client.MongoClient;
import dev.ferry.operators.source.ChangeStreamReader;
import dev.ferry.state.spec.TableSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The change stream's reader: emits each collection's rows in stream order and moves that
 * collection's position (resume token, ordinal) after each, so a checkpoint holds the position of the
 * last event emitted before its barrier. A restored stream of a collection the pipe no longer
 * replicates is dropped. One client serves every collection's stream.
 */
final class MongoChangeStreamReader
        extends ChangeStreamReader<MongoChangeEvent, MongoChangeStreamSplit, MongoChangeStreamPosition> {
    private static final Logger LOG = LoggerFactory.getLogger(MongoChangeStreamReader.class);

    private final MongoClient client;
    private final Set<String> collections;

    MongoChangeStreamReader(MongoClient client, String database, Set<String> collections,
            Map<String, TableSpec> specs, SourceReaderContext context) {
        super(new MongoChangeStreamFetchers(() -> new MongoChangeStreamFetcher(client, database, specs)),
                (event, output, position) -> {
                    if (event.record() != null) {
                        output.collect(event.record());
                    }
                    position.advance(event);
                },
                MongoChangeStreamPosition::new, context);
        this.client = client;
        this.collections = Set.copyOf(collections);
    }

    @Override
    public void addSplits(List<MongoChangeStreamSplit> splits) {
        List<MongoChangeStreamSplit> followed = new ArrayList<>();
        for (MongoChangeStreamSplit s : splits) {
            if (collections.contains(s.collection())) {
                followed.add(s);
            } else {
                LOG.info("no longer following collection {}: it left the pipe", s.collection());
            }
        }
        super.addSplits(followed);
    }

    @Override
    public void close() throws Exception {
        try {
            super.close();
        } finally {
            client.close();
        }
    }
}
