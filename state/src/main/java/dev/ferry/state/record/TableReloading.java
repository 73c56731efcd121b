package dev.ferry.state.record;

import dev.ferry.state.schema.TableSchema;

/**
 * The source table changed in a way its destination table cannot follow in place (a column's type,
 * its key, a default Postgres filled in without logging rows): it is being copied again, with
 * {@code schema}, into a fresh table that replaces the old one at {@link TableReloaded}. The rows
 * between the two markers are that copy's (versioned {@code version}, a snapshot version), and the
 * table's changes since.
 */
public record TableReloading(TableSchema schema, long version, String reason) implements Marker {}
