package dev.ferry.jobs.cli;

import dev.ferry.operators.clickhouse.ClickHouseStatusTables;
import dev.ferry.operators.clickhouse.ClickHouseStatusTables.TableProgressRow;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Prints durable progress per table (partitions, rows, rows/s) from the status tables. */
final class ProgressPrinter {
    private final ClickHouseStatusTables status;
    private final String pipe;
    private final PrintStream out;
    private final Map<String, long[]> last = new HashMap<>();
    private final long startedMillis;

    ProgressPrinter(ClickHouseStatusTables status, String pipe, PrintStream out, long startedMillis) {
        this.status = status;
        this.pipe = pipe;
        this.out = out;
        this.startedMillis = startedMillis;
    }

    void print(long nowMillis) {
        List<TableProgressRow> rows = status.progress(pipe);
        for (TableProgressRow r : rows) {
            long total = r.rowsSnapshotted() + r.inserts() + r.updates() + r.deletes();
            long[] prev = last.put(r.table(), new long[] {total, nowMillis});
            if (prev == null) {
                prev = new long[] {0, startedMillis};
            }
            long rate = nowMillis == prev[1] ? 0 : (total - prev[0]) * 1000 / (nowMillis - prev[1]);
            out.printf("  %-40s partitions %d/%s  rows %,d  %,d rows/s%n", r.table(), r.partitionsDone(),
                    r.partitionsTotal() == 0 ? "?" : String.valueOf(r.partitionsTotal()), total, rate);
        }
        out.flush();
    }
}
