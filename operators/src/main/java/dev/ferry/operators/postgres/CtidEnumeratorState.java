package dev.ferry.operators.postgres;

import java.util.List;
import java.util.Set;

/**
 * What the snapshot enumerator checkpoints: tables not yet planned, partitions planned but not yet
 * handed out, every partition not yet finished (handed-out ones are also in their readers' state),
 * and whether the first snapshot export happened. A finished partition appears nowhere, so it is
 * never read again.
 */
public record CtidEnumeratorState(
        List<String> unplannedTables, List<CtidPartition> pending, Set<String> unfinished, boolean exported) {

    public CtidEnumeratorState {
        unplannedTables = List.copyOf(unplannedTables);
        pending = List.copyOf(pending);
        unfinished = Set.copyOf(unfinished);
    }
}
