package dev.ferry.operators.clickhouse;

import dev.ferry.state.record.ChangeRecord;
import dev.ferry.state.record.DurableProgress;
import dev.ferry.state.schema.TableSchema;
import java.util.List;

/**
 * Rows of one table waiting to be written, already encoded as RowBinary, with the tables they go to:
 * the table's target, and during a resync its copy too.
 */
final class TableBuffer {
    private final TableSchema schema;
    private final List<String> copies;
    private final List<String> columns;
    private final RowBinaryEncoder encoder;
    private final RowBinaryBuffer rows = new RowBinaryBuffer(1 << 16);
    private int count;
    private long firstRowAtMillis;
    /** Rows by kind (snapshot, insert, update, delete) and the highest change version buffered. */
    private final long[] kinds = new long[4];
    private long maxVersion;
    private long lowestSnapshotVersion = Long.MAX_VALUE;
    private long newestSourceMillis;

    TableBuffer(TableSchema schema, List<String> copies, RowBinaryEncoder.Adjustments adjustments) {
        this.schema = schema;
        this.copies = new java.util.ArrayList<>(copies);
        this.columns = ClickHouseTableDdl.insertColumns(schema);
        this.encoder = new RowBinaryEncoder(schema, adjustments);
    }

    void add(ChangeRecord record, long nowMillis) {
        encoder.encode(record, rows);
        if (count++ == 0) {
            firstRowAtMillis = nowMillis;
        }
        kinds[record.kind().ordinal()]++;
        if (record.kind() == ChangeRecord.Kind.SNAPSHOT) {
            lowestSnapshotVersion = Math.min(lowestSnapshotVersion, record.version());
        } else if (Long.compareUnsigned(record.version(), maxVersion) > 0) {
            maxVersion = record.version();
        }
        newestSourceMillis = Math.max(newestSourceMillis, record.sourceMillis());
    }

    /** Accounts the buffered rows as written. */
    void reportTo(DurableProgress.Builder progress) {
        progress.written(schema.sourceId(), kinds[0], kinds[1], kinds[2], kinds[3], maxVersion);
    }

    /** The lowest version of the buffered initial-load rows (snapshot positions); Long.MAX_VALUE when none. */
    long lowestSnapshotVersion() {
        return lowestSnapshotVersion;
    }

    TableSchema schema() {
        return schema;
    }

    /** Other tables that receive the same rows (a resync copy); one is dropped once the copy is swapped in. */
    List<String> copies() {
        return copies;
    }

    List<String> columns() {
        return columns;
    }

    RowBinaryBuffer rows() {
        return rows;
    }

    int count() {
        return count;
    }

    int bytes() {
        return rows.size();
    }

    /** Source commit time of the newest buffered change; 0 when only initial-load rows are buffered. */
    long newestSourceMillis() {
        return newestSourceMillis;
    }

    long firstRowAtMillis() {
        return firstRowAtMillis;
    }

    void clear() {
        rows.reset();
        count = 0;
        java.util.Arrays.fill(kinds, 0);
        maxVersion = 0;
        lowestSnapshotVersion = Long.MAX_VALUE;
        newestSourceMillis = 0;
    }
}
