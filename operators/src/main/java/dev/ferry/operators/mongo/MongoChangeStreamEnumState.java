package dev.ferry.operators.mongo;

import java.util.List;
import java.util.Set;

/**
 * What the change stream's enumerator checkpoints: streams not yet handed to the reader (with the
 * start time they were created with), and the collections whose streams the reader holds.
 */
public record MongoChangeStreamEnumState(List<MongoChangeStreamSplit> unassigned, Set<String> assigned) {

    public static final MongoChangeStreamEnumState NONE = new MongoChangeStreamEnumState(List.of(), Set.of());

    public MongoChangeStreamEnumState {
        unassigned = List.copyOf(unassigned);
        assigned = Set.copyOf(assigned);
    }
}
