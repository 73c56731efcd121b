package dev.ferry.operators.postgres.stream;

import java.io.Serializable;
import java.util.List;

/**
 * What a run of the change stream is asked to do besides following the slot: copy a table again
 * after a change it cannot follow ({@code reloadIncompatible}, else fail), and copy {@code reloadTables}
 * once, as run {@code run} of the pipe asks: the initial load or a resync of tables without a key,
 * which the stream copies exactly. {@code reloadReason} says which, in the copies' log and events.
 * {@code copiesEveryTable}: this run copies every table of the pipe again (its initial load, or the
 * stream's copies), so no change from before those copies is needed.
 */
record WalOptions(boolean reloadIncompatible, int run, List<String> reloadTables, String reloadReason,
        boolean copiesEveryTable)
        implements Serializable {
    WalOptions {
        reloadTables = List.copyOf(reloadTables);
    }
}
