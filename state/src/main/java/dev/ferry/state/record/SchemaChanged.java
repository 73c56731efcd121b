package dev.ferry.state.record;

import dev.ferry.state.schema.TableSchema;

/** A source table's shape changed; rows after this marker follow {@code schema}. */
public record SchemaChanged(TableSchema schema) implements Marker {}
