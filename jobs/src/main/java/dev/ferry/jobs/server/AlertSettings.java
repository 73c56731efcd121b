package dev.ferry.jobs.server;

import java.time.Duration;

/**
 * When the watcher alerts: lag over {@code lagSeconds} for {@code lagFor}, a slot retaining more than
 * {@code slotWalBytes} of WAL, a job restarting for longer than {@code retryingFor}; a Failed pipe
 * at once.
 */
public record AlertSettings(double lagSeconds, Duration lagFor, long slotWalBytes, Duration retryingFor) {
    /** PeerDB's default for retained WAL: 5,000 MB. */
    public static final long DEFAULT_SLOT_WAL_MB = 5_000;

    public AlertSettings {
        if (lagSeconds <= 0 || slotWalBytes <= 0 || lagFor.isNegative() || retryingFor.isNegative()) {
            throw new IllegalArgumentException("alert thresholds must be positive");
        }
    }

    public static AlertSettings defaults() {
        return new AlertSettings(300, Duration.ofMinutes(5), DEFAULT_SLOT_WAL_MB * 1024 * 1024, Duration.ofMinutes(10));
    }
}
