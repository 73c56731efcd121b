package dev.ferry.operators.postgres;

import java.io.Serializable;
import java.util.List;

/**
 * What a run of the change stream is asked to do besides following the slot: copy a table again
 * after a change it cannot follow ({@code reloadIncompatible}, else fail), and copy {@code reloadTables}
 * once, as run {@code run} of the pipe asks: the initial load or a resync of tables without a key,
 * which the stream copies exactly. {@code reloadReason} says which, in the copies' log and events.
 */
record WalOptions(boolean reloadIncompatible, int run, List<String> reloadTables, String reloadReason)
        implements Serializable {
    WalOptions {
        reloadTables = List.copyOf(reloadTables);
    }
}
