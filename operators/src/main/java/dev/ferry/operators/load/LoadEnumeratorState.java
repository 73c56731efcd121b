package dev.ferry.operators.load;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What an initial load's enumerator checkpoints: tables not yet planned, partitions planned but not
 * yet handed out, every partition not yet finished (handed-out ones are also in their readers'
 * state), and the load's consistent point once taken, in its source's words (Postgres: which
 * transactions the slot's snapshot saw), or null. A finished partition appears nowhere, so it is
 * never read again. {@code startedOver} holds the tables whose load started over.
 */
public record LoadEnumeratorState<P extends LoadPartition>(
        List<String> unplannedTables, List<P> pending, Set<String> unfinished, String point,
        Map<String, StartedOver> startedOver) {

    public LoadEnumeratorState {
        unplannedTables = List.copyOf(unplannedTables);
        pending = List.copyOf(pending);
        unfinished = Set.copyOf(unfinished);
        startedOver = Map.copyOf(startedOver);
    }

    /** A load that has not started: every table to plan. */
    public static <P extends LoadPartition> LoadEnumeratorState<P> start(List<String> tables) {
        return new LoadEnumeratorState<>(tables, List.of(), Set.of(), null, Map.of());
    }
}
