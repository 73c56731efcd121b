package dev.ferry.operators.load;

import dev.ferry.state.record.ChangeRecord;
import dev.ferry.state.record.RecordTypeInfo;
import dev.ferry.state.spec.PipeSettings;
import dev.ferry.state.spec.PipeSpec;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * An initial load as a bounded, parallel FLIP-27 source: its tables split into partitions that
 * readers ask for one at a time, with checkpointed progress so a restart neither reads a finished
 * partition again nor skips one. A source adds its enumerator (with its planner) and its reader.
 * Its parallelism should be {@link #readers()}.
 *
 * @param <P> the source's partition
 */
public abstract class PartitionedLoadSource<P extends LoadPartition>
        implements Source<ChangeRecord, P, LoadEnumeratorState<P>>, ResultTypeQueryable<ChangeRecord> {
    private static final long serialVersionUID = 1L;

    private final String pipe;
    private final List<String> tables;
    private final int parallelismPerTable;
    private final int tablesInParallel;
    private final int rowsPerPartition;
    private final PartitionSerializer<P> serializer;

    protected PartitionedLoadSource(PipeSpec spec, List<String> tables, PartitionSerializer<P> serializer) {
        this.pipe = spec.name();
        this.tables = List.copyOf(tables);
        this.parallelismPerTable = spec.setting(PipeSettings.INITIAL_LOAD_PARALLELISM);
        this.tablesInParallel = spec.setting(PipeSettings.SNAPSHOT_NUMBER_OF_PARALLEL_TABLES);
        this.rowsPerPartition = spec.setting(PipeSettings.SNAPSHOT_NUM_ROWS_PER_PARTITION);
        this.serializer = serializer;
    }

    /** Reader subtasks that let every active table use its full parallelism. */
    public int readers() {
        return parallelismPerTable * Math.min(tablesInParallel, Math.max(1, tables.size()));
    }

    public String pipe() {
        return pipe;
    }

    public int parallelismPerTable() {
        return parallelismPerTable;
    }

    public int tablesInParallel() {
        return tablesInParallel;
    }

    protected int rowsPerPartition() {
        return rowsPerPartition;
    }

    @Override
    public Boundedness getBoundedness() {
        return Boundedness.BOUNDED;
    }

    /** The enumerator, from {@code checkpoint} or from the start ({@link #createEnumerator}). */
    @Override
    public abstract SplitEnumerator<P, LoadEnumeratorState<P>> restoreEnumerator(SplitEnumeratorContext<P> context,
            LoadEnumeratorState<P> checkpoint);

    @Override
    public SplitEnumerator<P, LoadEnumeratorState<P>> createEnumerator(SplitEnumeratorContext<P> context) {
        return restoreEnumerator(context, LoadEnumeratorState.start(tables));
    }

    @Override
    public SimpleVersionedSerializer<P> getSplitSerializer() {
        return serializer;
    }

    @Override
    public SimpleVersionedSerializer<LoadEnumeratorState<P>> getEnumeratorCheckpointSerializer() {
        return new LoadEnumeratorStateSerializer<>(serializer);
    }

    @Override
    public TypeInformation<ChangeRecord> getProducedType() {
        return RecordTypeInfo.CHANGE_RECORD;
    }
}
