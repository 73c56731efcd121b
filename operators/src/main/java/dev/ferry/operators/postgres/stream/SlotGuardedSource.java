package dev.ferry.operators.postgres.stream;

import dev.ferry.operators.postgres.PostgresConnections;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * A change source that never streams without the pipe's own slot: its enumerator waits for and
 * watches the slot ({@link SlotGuardedEnumerator}), its reader checks it on every (re)start
 * ({@link SlotGuardedReader}).
 */
final class SlotGuardedSource<T, S extends SourceSplit, E>
        implements Source<T, S, SlotGuardState<E>>, ResultTypeQueryable<T> {
    private static final long serialVersionUID = 1L;

    private final Source<T, S, E> delegate;
    private final TypeInformation<T> producedType;
    private final PostgresConnections connections;
    private final String slot;
    private final boolean slotExisted;

    /**
     * @param slotExisted the slot existed when the job was built: if it is missing at start, it was
     *     dropped (otherwise this run's initial load is about to create it)
     */
    SlotGuardedSource(Source<T, S, E> delegate, TypeInformation<T> producedType, PostgresConnections connections,
            String slot, boolean slotExisted) {
        this.delegate = delegate;
        this.producedType = producedType;
        this.connections = connections;
        this.slot = slot;
        this.slotExisted = slotExisted;
    }

    @Override
    public Boundedness getBoundedness() {
        return delegate.getBoundedness();
    }

    @Override
    public SplitEnumerator<S, SlotGuardState<E>> createEnumerator(SplitEnumeratorContext<S> context) throws Exception {
        return new SlotGuardedEnumerator<>(context, delegate.createEnumerator(context), connections, slot, slotExisted);
    }

    @Override
    public SplitEnumerator<S, SlotGuardState<E>> restoreEnumerator(
            SplitEnumeratorContext<S> context, SlotGuardState<E> checkpoint) throws Exception {
        return new SlotGuardedEnumerator<>(context, delegate.restoreEnumerator(context, checkpoint.delegate()),
                connections, slot, slotExisted || checkpoint.slotSeen());
    }

    @Override
    public SimpleVersionedSerializer<S> getSplitSerializer() {
        return delegate.getSplitSerializer();
    }

    @Override
    public SimpleVersionedSerializer<SlotGuardState<E>> getEnumeratorCheckpointSerializer() {
        return new SlotGuardStateSerializer<>(delegate.getEnumeratorCheckpointSerializer());
    }

    @Override
    public SourceReader<T, S> createReader(SourceReaderContext readerContext) throws Exception {
        return new SlotGuardedReader<>(delegate.createReader(readerContext), connections, slot);
    }

    @Override
    public TypeInformation<T> getProducedType() {
        return producedType;
    }
}
