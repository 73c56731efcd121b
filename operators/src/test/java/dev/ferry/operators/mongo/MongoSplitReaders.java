package dev.ferry.operators.mongo;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.connector.base.source.reader.RecordsWithSplitIds;
import org.apache.flink.connector.base.source.reader.splitreader.SplitReader;

/** Drains a split reader the way Flink's fetcher thread calls it. */
final class MongoSplitReaders {
    private MongoSplitReaders() {}

    /** Fetches until {@code wanted} records came, a split finished, or {@code timeoutMillis} passed. */
    static <E> List<E> drain(SplitReader<E, ?> reader, int wanted, long timeoutMillis) throws Exception {
        List<E> out = new ArrayList<>();
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (out.size() < wanted && System.currentTimeMillis() < deadline) {
            RecordsWithSplitIds<E> batch = reader.fetch();
            while (batch.nextSplit() != null) {
                for (E e = batch.nextRecordFromSplit(); e != null; e = batch.nextRecordFromSplit()) {
                    out.add(e);
                }
            }
            boolean finished = !batch.finishedSplits().isEmpty();
            batch.recycle();
            if (finished) {
                break;
            }
        }
        return out;
    }
}
