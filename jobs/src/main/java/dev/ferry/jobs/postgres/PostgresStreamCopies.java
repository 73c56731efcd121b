package dev.ferry.jobs.postgres;

import dev.ferry.operators.postgres.setup.PostgresCatalog.SourceTable;
import dev.ferry.state.lifecycle.PipeRun;
import dev.ferry.state.spec.PipeSettings.ReplicationMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which tables of a Postgres pipe that follows changes its change stream copies itself rather than
 * the parallel initial load: those without a key. Their rows are named by position, ctid in a load
 * and WAL position in the stream, and only a copy made inside the stream (under one snapshot,
 * skipping every change that snapshot saw) stays exact when the copy is interrupted and made again
 * under a newer snapshot; a load continuing under one cannot tell which of identical rows a change
 * in between removed. The price: such a table is read by one session, and the stream waits for it.
 */
public final class PostgresStreamCopies {
    private PostgresStreamCopies() {}

    /** {@code run} with its keyless tables moved from the load to the stream's copies (CDC pipes only). */
    public static PipeRun route(PipeRun run, List<SourceTable> tables, ReplicationMode mode) {
        if (mode != ReplicationMode.CDC) {
            return run;
        }
        Set<String> keyless = tables.stream().filter(SourceTable::positionKeyed).map(t -> t.spec().sourceId())
                .collect(Collectors.toSet());
        List<String> copies = new ArrayList<>(run.reloadTables());
        run.loadTables().stream().filter(t -> keyless.contains(t) && !copies.contains(t)).forEach(copies::add);
        if (copies.size() == run.reloadTables().size()) {
            return run;
        }
        return new PipeRun(run.generation(), without(run.loadTables(), keyless), without(run.resyncTables(), keyless),
                copies, run.startState());
    }

    private static List<String> without(List<String> tables, Set<String> drop) {
        return tables.stream().filter(t -> !drop.contains(t)).toList();
    }
}
