package dev.ferry.operators.mongo;

import dev.ferry.operators.load.PartitionedLoadReader;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.connector.source.SourceReaderContext;

/** The MongoDB initial load's reader: emits each row and remembers its {@code _id} as the partition's position. */
final class MongoSnapshotReader extends PartitionedLoadReader<MongoSnapshotRow, MongoIdPartition, MongoPartitionProgress> {

    MongoSnapshotReader(String pipe, MongoConnections connections, Map<String, List<String>> excluded,
            SourceReaderContext context) {
        super(() -> new MongoPartitionReader(pipe, connections, excluded),
                (row, output, progress) -> {
                    output.collect(row.record());
                    if (row.id() != null) {
                        progress.emitted(row.id());
                    }
                },
                MongoPartitionProgress::new, context);
    }
}
