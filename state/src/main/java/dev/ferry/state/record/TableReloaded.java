package dev.ferry.state.record;

/** Every row of a {@link TableReloading} copy has been sent: the copy replaces the table. */
public record TableReloaded(long rows) implements Marker {}
