package dev.ferry.jobs;

import dev.ferry.state.spec.PipeSettings;
import dev.ferry.state.spec.PipeSpec;
import java.time.Duration;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Job-wide settings every pipe needs. A checkpoint is where rows become durable in ClickHouse and
 * progress is acknowledged, so it runs every sync interval. Delivery is at-least-once (idempotence
 * comes from row versions and insert deduplication), so barriers need no alignment. Records are
 * never kept by the operator that receives them, so chained operators may pass them without copies.
 *
 * <p>Restarts: a pipe retries for as long as it takes (or {@code max_retry_attempts} failures in a
 * row), 1 s after a failure, doubling up to a minute between attempts, and back to 1 s (and a count
 * of 0) once it has run for ten minutes without one. An outage of
 * Postgres, ClickHouse or the network heals by waiting; what cannot (the pipe's slot dropped or
 * invalidated, its publication gone, its credentials refused) fails the job at once without
 * restarts, by a {@code SuppressRestartsException} around the cause.
 */
public final class PipeEnvironment {
    static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    static final Duration LONGEST_RETRY = Duration.ofMinutes(1);
    static final Duration RESET_RETRIES_AFTER = Duration.ofMinutes(10);

    private PipeEnvironment() {}

    public static void apply(StreamExecutionEnvironment env, PipeSpec spec) {
        long interval = spec.setting(PipeSettings.SYNC_INTERVAL_SECONDS) * 1000L;
        env.enableCheckpointing(interval, CheckpointingMode.AT_LEAST_ONCE);
        env.getConfig().enableObjectReuse();
        env.getCheckpointConfig().setMinPauseBetweenCheckpoints(Math.min(interval / 2, 1000));
        env.getCheckpointConfig().setCheckpointTimeout(Duration.ofMinutes(10).toMillis());
        Configuration restart = new Configuration();
        restart.set(RestartStrategyOptions.RESTART_STRATEGY, "exponential-delay");
        restart.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF, FIRST_RETRY);
        restart.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF, LONGEST_RETRY);
        restart.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_BACKOFF_MULTIPLIER, 2.0);
        restart.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_RESET_BACKOFF_THRESHOLD, RESET_RETRIES_AFTER);
        restart.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_JITTER_FACTOR, 0.1);
        Integer attempts = spec.setting(PipeSettings.MAX_RETRY_ATTEMPTS);
        restart.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS,
                attempts == null ? Integer.MAX_VALUE : attempts);
        env.configure(restart);
    }
}
