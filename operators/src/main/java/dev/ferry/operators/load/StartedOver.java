package dev.ferry.operators.load;

import java.io.Serializable;

/**
 * A table's load started over as plan {@code pass} when the snapshot read was at {@code version}:
 * the table's rows of older snapshots are void (0: none to void), rows of this plan are of that
 * snapshot or newer.
 */
public record StartedOver(int pass, long version) implements Serializable {}
