package dev.ferry.operators.postgres;

import dev.ferry.operators.postgres.PostgresCatalog.SourceTable;
import dev.ferry.state.record.ChangeRecord;
import dev.ferry.state.record.RecordTypeInfo;
import dev.ferry.state.spec.PipeSpec;
import dev.ferry.operators.PipeSetupException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.cdc.connectors.base.options.StartupOptions;
import org.apache.flink.cdc.connectors.postgres.source.PostgresSourceBuilder;

/**
 * The change stream of a Postgres pipe: Flink CDC's incremental Postgres source in stream-only mode
 * on the pipe's own slot and publication, starting at the slot's committed position. Flink CDC
 * confirms a position to the slot when a checkpoint completes, and the writer has flushed every row
 * before the checkpoint barrier, so nothing is acknowledged before it is in ClickHouse.
 */
public final class WalChangeSource {
    /** Heartbeats move the slot forward while only other tables change, so it does not hold WAL. */
    private static final Duration HEARTBEAT = Duration.ofSeconds(10);

    private WalChangeSource() {}

    public static Source<ChangeRecord, ?, ?> create(PipeSpec spec, List<SourceTable> tables) {
        PostgresConnections connections = new PostgresConnections(spec.name(), spec.source());
        Properties debezium = new Properties();
        debezium.setProperty("publication.name", spec.publicationName());
        debezium.setProperty("publication.autocreate.mode", "disabled");
        debezium.setProperty("slot.drop.on.stop", "false");
        debezium.setProperty("decimal.handling.mode", "string");
        debezium.setProperty("interval.handling.mode", "string");
        debezium.setProperty("binary.handling.mode", "bytes");
        debezium.setProperty("include.unknown.datatypes", "true");
        debezium.setProperty("time.precision.mode", "adaptive_time_microseconds");
        String[] schemas = tables.stream().map(t -> t.spec().schema()).distinct().toArray(String[]::new);
        String[] tableList = tables.stream().map(t -> t.spec().sourceId()).toArray(String[]::new);
        Source<ChangeRecord, ?, ?> cdc = PostgresSourceBuilder.PostgresIncrementalSource.<ChangeRecord>builder()
                .hostname(connections.host())
                .port(connections.port())
                .database(connections.database())
                .username(connections.user())
                .password(connections.password())
                .schemaList(schemas)
                .tableList(tableList)
                .slotName(spec.replicationSlotName())
                .decodingPluginName("pgoutput")
                .startupOptions(StartupOptions.committed())
                .heartbeatInterval(HEARTBEAT)
                .lsnCommitCheckpointsDelay(1)
                .debeziumProperties(debezium)
                .deserializer(new DebeziumChangeMapper(connections, tables))
                .build();
        return guard(cdc, connections, spec.replicationSlotName(), slotExists(connections, spec.replicationSlotName()));
    }

    private static <S extends org.apache.flink.api.connector.source.SourceSplit, E> Source<ChangeRecord, S, ?> guard(
            Source<ChangeRecord, S, E> cdc, PostgresConnections connections, String slot, boolean slotExists) {
        return new SlotGuardedSource<>(cdc, RecordTypeInfo.CHANGE_RECORD, connections, slot, slotExists);
    }

    private static boolean slotExists(PostgresConnections connections, String slot) {
        try (Connection conn = connections.openChecked("setup")) {
            return SlotManager.slot(conn, slot).isPresent();
        } catch (SQLException e) {
            throw new PipeSetupException("reading replication slot " + slot + " from " + connections.describe()
                    + " failed: " + PipeSetupException.firstLine(e), e);
        }
    }
}
