package dev.ferry.state.lifecycle;

import static dev.ferry.state.lifecycle.PipeState.COMPLETED;
import static dev.ferry.state.lifecycle.PipeState.FAILED;
import static dev.ferry.state.lifecycle.PipeState.MODIFYING;
import static dev.ferry.state.lifecycle.PipeState.PAUSED;
import static dev.ferry.state.lifecycle.PipeState.PAUSING;
import static dev.ferry.state.lifecycle.PipeState.PROVISIONING;
import static dev.ferry.state.lifecycle.PipeState.RESYNC;
import static dev.ferry.state.lifecycle.PipeState.RUNNING;
import static dev.ferry.state.lifecycle.PipeState.SETUP;
import static dev.ferry.state.lifecycle.PipeState.SNAPSHOT;

import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The pipe lifecycle's transition table: the only place that decides whether a state change is legal.
 *
 * <pre>
 * Provisioning -> Setup -> Snapshot -> Running            (initial load + CDC)
 *                          Snapshot -> Completed          (initial load only)
 *                 Setup -> Running                        (CDC only)
 * Running|Snapshot|Resync -> Pausing -> Paused -> Running|Snapshot|Resync   (pause/resume by savepoint)
 * Paused -> Modifying -> Snapshot|Running                 (tables added/removed; new ones get a snapshot)
 * Running|Paused|Completed|Failed -> Resync -> Running|Completed (reload into _resync tables, swap)
 * any active state -> Failed
 * </pre>
 */
public final class PipeTransitions {
    private static final Map<PipeState, Set<PipeState>> ALLOWED = new EnumMap<>(PipeState.class);

    static {
        allow(PROVISIONING, SETUP, FAILED);
        allow(SETUP, SNAPSHOT, RUNNING, FAILED);
        allow(SNAPSHOT, RUNNING, COMPLETED, PAUSING, FAILED);
        allow(RUNNING, PAUSING, RESYNC, FAILED);
        // A pause that cannot take its savepoint falls back to where it was.
        allow(PAUSING, PAUSED, RUNNING, SNAPSHOT, RESYNC, FAILED);
        // Resume returns to the phase the pipe was paused in.
        allow(PAUSED, RUNNING, SNAPSHOT, RESYNC, MODIFYING, FAILED);
        allow(MODIFYING, SNAPSHOT, RUNNING, FAILED);
        allow(RESYNC, RUNNING, COMPLETED, PAUSING, FAILED);
        allow(COMPLETED, RESYNC);
        allow(FAILED, RESYNC);
    }

    private PipeTransitions() {}

    private static void allow(PipeState from, PipeState... to) {
        EnumSet<PipeState> targets = EnumSet.noneOf(PipeState.class);
        Collections.addAll(targets, to);
        ALLOWED.put(from, Collections.unmodifiableSet(targets));
    }

    public static boolean isAllowed(PipeState from, PipeState to) {
        return ALLOWED.getOrDefault(from, Set.of()).contains(to);
    }

    /** The states reachable from {@code from} in one step. */
    public static Set<PipeState> next(PipeState from) {
        return ALLOWED.getOrDefault(from, Set.of());
    }

    /** Returns {@code to}, or throws with a message saying what is possible instead. */
    public static PipeState check(PipeState from, PipeState to) {
        if (!isAllowed(from, to)) {
            throw new IllegalTransitionException(from, to, next(from).stream()
                    .map(PipeState::label)
                    .collect(Collectors.joining(", ")));
        }
        return to;
    }

    /** True for states in which the pipe has ended and its job is not running. */
    public static boolean isTerminal(PipeState state) {
        return state == COMPLETED || state == FAILED || state == PAUSED;
    }
}
