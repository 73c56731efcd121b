package dev.ferry.jobs.server;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Turns what the watcher sees into notices: one when a condition has held for its hold time, a
 * reminder every {@link #REMIND_EVERY} while it holds, one when it clears. A condition that clears
 * before its hold time passes says nothing. Pure: the watcher passes the time in.
 */
public final class AlertTracker {
    public static final Duration REMIND_EVERY = Duration.ofMinutes(15);

    private record Key(String pipe, PipeAlert alert) {}

    private static final class Tracked {
        final Instant since;
        Instant lastSent;

        Tracked(Instant since) {
            this.since = since;
        }
    }

    private final Map<Key, Tracked> tracked = new HashMap<>();

    /**
     * One observation of {@code alert} for {@code pipe}: whether the condition holds now, how long it
     * must hold before anyone is told, and what to say.
     */
    public Optional<AlertNotice> observe(String pipe, PipeAlert alert, boolean holds, Duration holdFor, String detail,
            Instant now) {
        Key key = new Key(pipe, alert);
        Tracked t = tracked.get(key);
        if (!holds) {
            if (t == null) {
                return Optional.empty();
            }
            tracked.remove(key);
            return t.lastSent == null ? Optional.empty()
                    : Optional.of(new AlertNotice(pipe, alert, AlertNotice.Kind.CLEARED, detail, now));
        }
        if (t == null) {
            t = new Tracked(now);
            tracked.put(key, t);
        }
        if (t.lastSent == null) {
            if (Duration.between(t.since, now).compareTo(holdFor) < 0) {
                return Optional.empty();
            }
            t.lastSent = now;
            return Optional.of(new AlertNotice(pipe, alert, AlertNotice.Kind.STARTED, detail, now));
        }
        if (Duration.between(t.lastSent, now).compareTo(REMIND_EVERY) >= 0) {
            t.lastSent = now;
            return Optional.of(new AlertNotice(pipe, alert, AlertNotice.Kind.REMINDER, detail, now));
        }
        return Optional.empty();
    }

    /** Whether {@code alert} is firing for {@code pipe} (its start was sent and it has not cleared). */
    public boolean firing(String pipe, PipeAlert alert) {
        Tracked t = tracked.get(new Key(pipe, alert));
        return t != null && t.lastSent != null;
    }

    /** Forgets a pipe that is gone (deleted): nothing more is said about it. */
    public void forget(String pipe) {
        tracked.keySet().removeIf(k -> k.pipe().equals(pipe));
    }
}
