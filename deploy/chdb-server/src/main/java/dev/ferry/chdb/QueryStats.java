package dev.ferry.chdb;

/** A query's progress counters, as the {@code X-ClickHouse-Summary} header reports them. */
record QueryStats(long readRows, long readBytes, long writtenRows, long writtenBytes,
                  long resultRows, long resultBytes, long elapsedNanos) {

    static final QueryStats NONE = new QueryStats(0, 0, 0, 0, 0, 0, 0);

    QueryStats plus(QueryStats other) {
        return new QueryStats(readRows + other.readRows, readBytes + other.readBytes,
                writtenRows + other.writtenRows, writtenBytes + other.writtenBytes,
                resultRows + other.resultRows, resultBytes + other.resultBytes, elapsedNanos + other.elapsedNanos);
    }

    /** For an INSERT the server reports what it wrote as the result, like ClickHouse does. */
    QueryStats writtenAsResult() {
        return new QueryStats(readRows, readBytes, writtenRows, writtenBytes, writtenRows, writtenBytes, elapsedNanos);
    }

    /** ClickHouse quotes the numbers (they are UInt64); client-v2 accepts both forms. */
    String toSummaryJson() {
        return "{\"read_rows\":\"" + readRows
                + "\",\"read_bytes\":\"" + readBytes
                + "\",\"written_rows\":\"" + writtenRows
                + "\",\"written_bytes\":\"" + writtenBytes
                + "\",\"total_rows_to_read\":\"" + readRows
                + "\",\"result_rows\":\"" + resultRows
                + "\",\"result_bytes\":\"" + resultBytes
                + "\",\"elapsed_ns\":\"" + elapsedNanos + "\"}";
    }
}
