package dev.ferry.operators.postgres.stream;

import dev.ferry.operators.PipeSetupException;
import dev.ferry.operators.postgres.PostgresConnections;
import dev.ferry.operators.postgres.setup.PostgresCatalog.SourceTable;
import dev.ferry.operators.postgres.setup.SlotManager;
import dev.ferry.state.lifecycle.PipeRun;
import dev.ferry.state.lifecycle.PipeState;
import dev.ferry.state.record.ChangeRecord;
import dev.ferry.state.record.RecordTypeInfo;
import dev.ferry.state.schema.TableSchema;
import dev.ferry.state.spec.PipeSettings;
import dev.ferry.state.spec.PipeSpec;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * The change stream of a Postgres pipe: an unbounded FLIP-27 source (parallelism 1) that reads the
 * pipe's own slot through pgoutput and publication ({@link WalFetcher}), guarded so it never streams
 * without that slot ({@link SlotGuardedSource}).
 *
 * <p>Ferry decodes pgoutput itself rather than through Debezium: Debezium 1.9's decoder (inside
 * Flink CDC 3.5) turns some legal values into exceptions or different values before any of its
 * callers sees them (numeric infinities, multi-dimensional arrays, intervals through a double), and
 * its decoding cannot be replaced from outside. pgoutput already sends every value as Postgres' own
 * text output, which one parser ({@link PostgresTextValues}) turns into the same values the initial
 * load writes.
 */
public final class WalChangeSource implements Source<ChangeRecord, WalSplit, WalEnumerator.State>,
        ResultTypeQueryable<ChangeRecord> {
    private static final long serialVersionUID = 1L;

    private final PostgresConnections connections;
    private final String slot;
    private final String publication;
    private final List<SourceTable> tables;
    /** Leaf partitions when the job was made: a new stream accounts for these (the initial load reads them). */
    private final List<Long> leaves;
    /** The tables' storage when the job was made: a new stream compares with it. */
    private final Map<String, PostgresTableStorage> storage;
    private final WalOptions options;

    private WalChangeSource(PostgresConnections connections, String slot, String publication, List<SourceTable> tables,
            List<Long> leaves, Map<String, PostgresTableStorage> storage, WalOptions options) {
        this.connections = connections;
        this.slot = slot;
        this.publication = publication;
        this.tables = new ArrayList<>(tables);
        this.leaves = new ArrayList<>(leaves);
        this.storage = new HashMap<>(storage);
        this.options = options;
    }

    /**
     * @param run the pipe's run: its tables to copy again ({@link PipeRun#reloadTables()}) are copied
     *     once by the stream
     */
    public static Source<ChangeRecord, ?, ?> create(PipeSpec spec, List<SourceTable> tables, PipeRun run) {
        PostgresConnections connections = new PostgresConnections(spec.name(), spec.source());
        List<Long> leaves;
        Map<String, PostgresTableStorage> storage;
        try {
            leaves = PostgresPartitionWatch.leaves(connections, tables);
            storage = PostgresTableStorage.read(connections, tables);
        } catch (SQLException e) {
            throw new PipeSetupException("listing the partitions and storage of the pipe's tables on "
                    + connections.describe() + " failed: " + PipeSetupException.firstLine(e), e);
        }
        WalChangeSource source = new WalChangeSource(connections, spec.replicationSlotName(), spec.publicationName(),
                tables, leaves, storage, new WalOptions(spec.setting(PipeSettings.INCOMPATIBLE_SCHEMA_CHANGE)
                        == PipeSettings.IncompatibleSchemaChange.RESYNC, run.generation(), run.reloadTables(),
                        run.startState() == PipeState.RESYNC ? "a resync was asked for"
                                : "its initial load (without a key, the change stream copies it)",
                        copiesEveryTable(run, tables)));
        return new SlotGuardedSource<>(source, RecordTypeInfo.CHANGE_RECORD, connections, spec.replicationSlotName(),
                slotExists(connections, spec.replicationSlotName()));
    }

    private static boolean copiesEveryTable(PipeRun run, List<SourceTable> tables) {
        Set<String> copied = new HashSet<>(run.loadTables());
        copied.addAll(run.reloadTables());
        return tables.stream().allMatch(t -> copied.contains(t.spec().sourceId()));
    }

    private static boolean slotExists(PostgresConnections connections, String slot) {
        try (Connection conn = connections.openChecked("setup")) {
            return SlotManager.slot(conn, slot).isPresent();
        } catch (SQLException e) {
            throw new PipeSetupException("reading replication slot " + slot + " from " + connections.describe()
                    + " failed: " + PipeSetupException.firstLine(e), e);
        }
    }

    @Override
    public Boundedness getBoundedness() {
        return Boundedness.CONTINUOUS_UNBOUNDED;
    }

    @Override
    public SplitEnumerator<WalSplit, WalEnumerator.State> createEnumerator(SplitEnumeratorContext<WalSplit> context) {
        // A new stream starts from the schemas the destination tables were made with, checkpointed from the
        // first checkpoint on: a restart after the source changed meanwhile still knows what rows in the slot follow.
        Map<String, TableSchema> schemas = new HashMap<>();
        tables.forEach(t -> schemas.put(t.spec().sourceId(), t.schema()));
        return new WalEnumerator(context, new WalEnumerator.State(new WalSplit(0, leaves, schemas, List.of(), 0, storage, Map.of())));
    }

    @Override
    public SplitEnumerator<WalSplit, WalEnumerator.State> restoreEnumerator(SplitEnumeratorContext<WalSplit> context,
            WalEnumerator.State checkpoint) {
        return new WalEnumerator(context, checkpoint);
    }

    @Override
    public SimpleVersionedSerializer<WalSplit> getSplitSerializer() {
        return WalSerializers.SPLIT;
    }

    @Override
    public SimpleVersionedSerializer<WalEnumerator.State> getEnumeratorCheckpointSerializer() {
        return WalSerializers.ENUMERATOR;
    }

    @Override
    public SourceReader<ChangeRecord, WalSplit> createReader(SourceReaderContext context) {
        return new WalReader(connections, slot, publication, tables, options, context);
    }

    @Override
    public TypeInformation<ChangeRecord> getProducedType() {
        return RecordTypeInfo.CHANGE_RECORD;
    }
}
