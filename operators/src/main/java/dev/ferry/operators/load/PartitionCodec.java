package dev.ferry.operators.load;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.io.Serializable;

/** Binary form of one kind of partition, inside the load's checkpointed state. */
public interface PartitionCodec<P extends LoadPartition> extends Serializable {
    void write(P partition, DataOutput out) throws IOException;

    P read(DataInput in) throws IOException;
}
