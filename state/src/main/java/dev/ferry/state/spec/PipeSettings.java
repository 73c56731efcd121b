package dev.ferry.state.spec;

import java.util.List;

/**
 * Options of the {@code settings:} section. Names and defaults follow the ClickPipes settings
 * (initial load: rows per partition, parallelism, tables in parallel; sync: interval, pull batch size).
 */
public final class PipeSettings {
    private PipeSettings() {}

    /** ClickPipes' replication modes. */
    public enum ReplicationMode {
        /** Initial load, then CDC. */
        CDC,
        /** Initial load only; the pipe ends Completed. */
        SNAPSHOT,
        /** CDC only, no initial load. */
        CDC_ONLY
    }

    /** How the initial load splits a Postgres table into CTID ranges. */
    public enum SnapshotPartitioning {
        /** Ranges of heap blocks sized from pg_class statistics; reads nothing to plan. */
        BLOCK_RANGE,
        /** ClickPipes' documented way: COUNT(*), then a window function over ctid. */
        COUNT_WINDOW
    }

    /** What a column dropped at the source becomes in ClickHouse. */
    public enum DroppedColumns {
        /** Stays, with the values it had; rows written later hold NULL or its default there. */
        KEEP,
        /** Is dropped from the ClickHouse table too. */
        DROP
    }

    /** What a source change the destination table cannot follow in place leads to. */
    public enum IncompatibleSchemaChange {
        /** The table is copied again into a fresh table, which replaces it; the pipe goes on. */
        RESYNC,
        /** The pipe stops (Failed) with the cause, for someone to decide. */
        FAIL
    }

    public static final PipeOption<ReplicationMode> REPLICATION_MODE = PipeOption.enumOption(
            "replication_mode", ReplicationMode.CDC, ReplicationMode.class,
            "cdc (initial load + CDC), snapshot (initial load only) or cdc_only.");
    public static final PipeOption<Integer> SNAPSHOT_NUM_ROWS_PER_PARTITION = PipeOption.intOption(
            "snapshot_num_rows_per_partition", 100_000, 1, 100_000_000,
            "Rows in one CTID range of the initial load.");
    public static final PipeOption<Integer> INITIAL_LOAD_PARALLELISM = PipeOption.intOption(
            "initial_load_parallelism", 4, 1, 64, "Partitions of one table read at once.");
    public static final PipeOption<Integer> SNAPSHOT_NUMBER_OF_PARALLEL_TABLES = PipeOption.intOption(
            "snapshot_number_of_parallel_tables", 1, 1, 64,
            "Tables loaded at once; multiplies initial_load_parallelism.");
    public static final PipeOption<SnapshotPartitioning> SNAPSHOT_PARTITIONING = PipeOption.enumOption(
            "snapshot_partitioning", SnapshotPartitioning.BLOCK_RANGE, SnapshotPartitioning.class,
            "block_range (plans from pg_class, scans nothing) or count_window (COUNT(*) + window over ctid).");
    public static final PipeOption<Integer> SYNC_INTERVAL_SECONDS = PipeOption.intOption(
                    "sync_interval_seconds", 10, 1, 86_400,
                    "Longest time a change waits in Ferry before it is written to ClickHouse.")
            .editableWhilePaused();
    public static final PipeOption<Integer> HARD_DELETE_INTERVAL_SECONDS = PipeOption.intOption(
                    "hard_delete_interval_seconds", 300, 1, 86_400,
                    "How often tables with deletes: hard lose the rows deleted at the source for good (one"
                            + " ClickHouse mutation per table that has some).")
            .editableWhilePaused();
    public static final PipeOption<Integer> PULL_BATCH_SIZE = PipeOption.intOption(
                    "pull_batch_size", 100_000, 1, 10_000_000,
                    "Rows of one table buffered before they are written to ClickHouse.")
            .editableWhilePaused();
    public static final PipeOption<DroppedColumns> DROPPED_COLUMNS = PipeOption.enumOption(
                    "dropped_columns", DroppedColumns.KEEP, DroppedColumns.class,
                    "keep (a column dropped at the source stays in ClickHouse with its values) or drop.")
            .editableWhilePaused();
    public static final PipeOption<IncompatibleSchemaChange> INCOMPATIBLE_SCHEMA_CHANGE = PipeOption.enumOption(
                    "incompatible_schema_change", IncompatibleSchemaChange.RESYNC, IncompatibleSchemaChange.class,
                    "resync (a table whose column type, key or unlogged default changed is copied again by itself)"
                            + " or fail.")
            .editableWhilePaused();
    public static final PipeOption<Integer> MAX_RETRY_ATTEMPTS = PipeOption.intOption(
                    "max_retry_attempts", null, 1, 1_000_000,
                    "Failures in a row (none ten minutes of running apart) after which the pipe goes Failed"
                            + " instead of retrying; unset: retry for as long as it takes.")
            .editableWhilePaused();
    public static final PipeOption<Boolean> ALLOW_NULLABLE_COLUMNS = PipeOption.boolOption(
            "allow_nullable_columns", true,
            "true: a column that may be NULL at the source is Nullable in ClickHouse; false: no column is, and"
                    + " NULL is written as the type's default (0, '', 1970-01-01), which takes less space.");
    public static final PipeOption<String> PUBLICATION_NAME = PipeOption.patternOption(
            "publication_name", null, "[a-z_][a-z0-9_]{0,62}", "a lower-case Postgres identifier",
            "Postgres publication; default ferry_<pipe name>.");
    public static final PipeOption<String> REPLICATION_SLOT_NAME = PipeOption.patternOption(
            "replication_slot_name", null, "[a-z0-9_]{1,63}", "a valid slot name ([a-z0-9_], at most 63)",
            "Postgres logical replication slot; default ferry_<pipe name>.");

    /** The setting with this YAML key, if there is one. */
    public static java.util.Optional<PipeOption<?>> find(String key) {
        return ALL.stream().filter(o -> o.key().equals(key)).findFirst();
    }

    public static final List<PipeOption<?>> ALL = List.of(
            REPLICATION_MODE,
            SNAPSHOT_NUM_ROWS_PER_PARTITION,
            INITIAL_LOAD_PARALLELISM,
            SNAPSHOT_NUMBER_OF_PARALLEL_TABLES,
            SNAPSHOT_PARTITIONING,
            SYNC_INTERVAL_SECONDS,
            HARD_DELETE_INTERVAL_SECONDS,
            PULL_BATCH_SIZE,
            DROPPED_COLUMNS,
            INCOMPATIBLE_SCHEMA_CHANGE,
            MAX_RETRY_ATTEMPTS,
            ALLOW_NULLABLE_COLUMNS,
            PUBLICATION_NAME,
            REPLICATION_SLOT_NAME);
}
