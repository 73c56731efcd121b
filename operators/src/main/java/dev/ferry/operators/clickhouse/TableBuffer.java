package dev.ferry.operators.clickhouse;

import dev.ferry.state.record.ChangeRecord;
import dev.ferry.state.schema.TableSchema;
import java.util.List;

/** Rows of one table waiting to be written, already encoded as RowBinary. */
final class TableBuffer {
    private final TableSchema schema;
    private final List<String> columns;
    private final RowBinaryEncoder encoder;
    private final RowBinaryBuffer rows = new RowBinaryBuffer(1 << 16);
    private int count;
    private long firstRowAtMillis;

    TableBuffer(TableSchema schema) {
        this.schema = schema;
        this.columns = ClickHouseTableDdl.insertColumns(schema);
        this.encoder = new RowBinaryEncoder(schema);
    }

    void add(ChangeRecord record, long nowMillis) {
        encoder.encode(record, rows);
        if (count++ == 0) {
            firstRowAtMillis = nowMillis;
        }
    }

    TableSchema schema() {
        return schema;
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

    long firstRowAtMillis() {
        return firstRowAtMillis;
    }

    void clear() {
        rows.reset();
        count = 0;
    }
}
