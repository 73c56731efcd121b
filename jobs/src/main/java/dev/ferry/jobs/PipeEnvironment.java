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
 */
public final class PipeEnvironment {
    /** Restarts before a pipe is declared Failed. */
    public static final int RESTART_ATTEMPTS = 5;
    public static final Duration RESTART_DELAY = Duration.ofSeconds(3);

    private PipeEnvironment() {}

    public static void apply(StreamExecutionEnvironment env, PipeSpec spec) {
        long interval = spec.setting(PipeSettings.SYNC_INTERVAL_SECONDS) * 1000L;
        env.enableCheckpointing(interval, CheckpointingMode.AT_LEAST_ONCE);
        env.getConfig().enableObjectReuse();
        env.getCheckpointConfig().setMinPauseBetweenCheckpoints(Math.min(interval / 2, 1000));
        env.getCheckpointConfig().setCheckpointTimeout(Duration.ofMinutes(10).toMillis());
        Configuration restart = new Configuration();
        restart.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        restart.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, RESTART_ATTEMPTS);
        restart.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, RESTART_DELAY);
        env.configure(restart);
    }
}
