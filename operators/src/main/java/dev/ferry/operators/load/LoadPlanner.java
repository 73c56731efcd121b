package dev.ferry.operators.load;

import java.io.Serializable;
import java.util.List;

/** Splits one table of an initial load into partitions; runs off the coordinator thread. */
@FunctionalInterface
public interface LoadPlanner<P extends LoadPartition> extends Serializable {

    /** A table's partitions, what the plan was based on, and how long planning took. */
    record Plan<P>(List<P> partitions, long planningMillis, String basis) {}

    /** Plans {@code table}; {@code pass} numbers its plans (0 first, more once its load started over). */
    Plan<P> plan(String table, int pass) throws Exception;
}
