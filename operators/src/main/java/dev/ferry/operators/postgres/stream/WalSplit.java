package dev.ferry.operators.postgres.stream;

import dev.ferry.state.schema.TableSchema;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.connector.source.SourceSplit;

/**
 * The pipe's change stream as a split: where to restart it. {@code restartLsn} is the end of the
 * last transaction whose changes were all emitted (or a position the server reported past every
 * transaction sent); 0 starts at the slot's confirmed position. {@code leaves}: the leaf partitions
 * (oids) whose rows are accounted for ({@link PostgresPartitionWatch}); null before they were listed.
 * {@code schemas}: each table's columns as the stream last sent them (what the destination was
 * brought in line with), so a restart can tell what changed at the source meanwhile; empty before
 * they were kept. {@code reloads}: tables being copied again ({@link PostgresTableReloads}).
 * {@code reloadedRun}: the last run of the pipe whose requested copies were started (0: none).
 * {@code storage}: each table's storage as the stream last looked ({@link PostgresTableStorage}), so a
 * table rewritten meanwhile is found; empty before it was kept. {@code loggedNames}: per table, the
 * column names its last relation message carried, each with the column's attnum: pgoutput names
 * columns without their numbers, and a name the rows still carry after the catalog renamed it is
 * matched by what it meant last; empty before it was kept.
 */
record WalSplit(long restartLsn, List<Long> leaves, Map<String, TableSchema> schemas, List<TableReload> reloads,
        int reloadedRun, Map<String, PostgresTableStorage> storage, Map<String, Map<String, Integer>> loggedNames)
        implements SourceSplit {
    static final String ID = "wal";

    WalSplit {
        schemas = Map.copyOf(schemas);
        reloads = List.copyOf(reloads);
        storage = Map.copyOf(storage);
        loggedNames = Map.copyOf(loggedNames);
    }

    @Override
    public String splitId() {
        return ID;
    }
}
