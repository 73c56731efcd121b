package dev.ferry.state.record;

/** In-band facts that follow the rows they describe, so they are durable only after those rows. */
public sealed interface Marker permits SnapshotUnitDone, SchemaChanged, Truncated, TableReloading,
        TableReloaded, SnapshotRestarted {}
