package dev.ferry.operators.clickhouse;

import dev.ferry.state.record.ChangeRecord;
import dev.ferry.state.record.DurableProgress;
import dev.ferry.state.schema.ColumnSchema;
import dev.ferry.state.schema.TableSchema;
import java.util.List;

/**
 * Rows of one table waiting to be written, already encoded as RowBinary, with the tables they go to:
 * the table's target, and during a resync its copy too.
 */
final class TableBuffer {
    private final TableSchema schema;
    /** Positions in a record's values of the columns written, when not all are (dropped ones left out). */
    private final int[] written;
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

    /**
     * @param omitDropped whether columns dropped at the source are left out (dropped in ClickHouse too)
     * @param nullsAsDefaults whether NULLs of columns that are not Nullable in ClickHouse are written
     *     as defaults ({@code allow_nullable_columns: false})
     */
    TableBuffer(TableSchema schema, List<String> copies, RowBinaryEncoder.Adjustments adjustments,
            boolean omitDropped, boolean nullsAsDefaults) {
        this.schema = schema;
        this.copies = new java.util.ArrayList<>(copies);
        TableSchema encoded = schema;
        int[] kept = null;
        if (omitDropped && schema.columns().stream().anyMatch(ColumnSchema::dropped)) {
            kept = java.util.stream.IntStream.range(0, schema.columns().size())
                    .filter(i -> !schema.columns().get(i).dropped()).toArray();
            encoded = schema.withColumns(schema.columns().stream().filter(c -> !c.dropped()).toList());
        }
        this.written = kept;
        this.columns = ClickHouseTableDdl.insertColumns(encoded);
        this.encoder = new RowBinaryEncoder(encoded, adjustments, nullsAsDefaults);
    }

    void add(ChangeRecord record, long nowMillis) {
        encoder.encode(written == null ? record : project(record), rows);
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

    private ChangeRecord project(ChangeRecord record) {
        Object[] values = new Object[written.length];
        for (int i = 0; i < written.length; i++) {
            values[i] = record.values()[written[i]];
        }
        return ChangeRecord.change(record.table(), record.kind(), record.version(), record.sourceMillis(),
                record.commitPosition(), values);
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

    /** Empties the buffer; its memory is kept up to {@code retainedBytes}. */
    void clear(int retainedBytes) {
        rows.reset(retainedBytes);
        count = 0;
        java.util.Arrays.fill(kinds, 0);
        maxVersion = 0;
        lowestSnapshotVersion = Long.MAX_VALUE;
        newestSourceMillis = 0;
    }
}
