package dev.ferry.operators.postgres;

import dev.ferry.operators.postgres.DebeziumValues.UnfaithfulValueException;
import dev.ferry.operators.postgres.PostgresCatalog.SourceTable;
import dev.ferry.state.record.ChangeRecord;
import dev.ferry.state.record.ChangeVersions;
import dev.ferry.state.record.RecordTypeInfo;
import dev.ferry.state.record.SchemaChanged;
import dev.ferry.state.schema.ColumnSchema;
import dev.ferry.state.schema.TableSchema;
import dev.ferry.state.spec.TableSpec;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.cdc.debezium.DebeziumDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps Debezium's change records (from pgoutput) to {@link ChangeRecord}s: inserts, updates and
 * deletes (a primary-key change arrives as a delete of the old key and an insert of the new), each
 * versioned from its position in the WAL (see {@link ChangeVersions}).
 *
 * <p>Schema changes: when a row's fields differ from the known columns, the table is read again from
 * the catalog and a {@link SchemaChanged} marker goes out before the row. New columns are appended; a
 * dropped column stays in the destination (new rows hold NULL or the default there); a rename looks
 * like a drop plus an add. A changed column type cannot be followed: the pipe fails and says so.
 * TRUNCATE is not replicated.
 */
public final class DebeziumChangeMapper implements DebeziumDeserializationSchema<ChangeRecord> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(DebeziumChangeMapper.class);

    private final PostgresConnections connections;
    private final Map<String, TableSpec> specs = new HashMap<>();
    private final Map<String, TableSchema> initial = new HashMap<>();
    private transient Map<String, TableSchema> schemas;

    public DebeziumChangeMapper(PostgresConnections connections, List<SourceTable> tables) {
        this.connections = connections;
        for (SourceTable t : tables) {
            specs.put(t.spec().sourceId(), t.spec());
            initial.put(t.spec().sourceId(), t.schema());
        }
    }

    @Override
    public void deserialize(SourceRecord record, Collector<ChangeRecord> out) throws Exception {
        if (!(record.value() instanceof Struct value) || record.valueSchema().field("op") == null
                || record.valueSchema().field("source") == null) {
            return; // heartbeats and other bookkeeping records
        }
        if (schemas == null) {
            schemas = new HashMap<>(initial);
        }
        Struct source = value.getStruct("source");
        String table = source.getString("schema") + "." + source.getString("table");
        if (!schemas.containsKey(table)) {
            return;
        }
        long version = ChangeVersions.change(source.getInt64("lsn"));
        Long committed = source.getInt64("ts_ms");
        long at = committed == null ? 0L : committed;
        switch (value.getString("op")) {
            case "c", "r" -> emit(table, ChangeRecord.Kind.INSERT, version, at, value.getStruct("after"), out);
            case "u" -> emit(table, ChangeRecord.Kind.UPDATE, version, at, value.getStruct("after"), out);
            case "d" -> emit(table, ChangeRecord.Kind.DELETE, version, at, value.getStruct("before"), out);
            default -> LOG.warn("ignoring {} event on {} (TRUNCATE is not replicated)", value.getString("op"), table);
        }
    }

    private void emit(String table, ChangeRecord.Kind kind, long version, long sourceMillis, Struct row,
            Collector<ChangeRecord> out)
            throws Exception {
        TableSchema schema = follow(table, row.schema(), out);
        List<ColumnSchema> columns = schema.columns();
        Object[] values = new Object[columns.size()];
        for (int i = 0; i < values.length; i++) {
            ColumnSchema c = columns.get(i);
            Field f = c.dropped() ? null : row.schema().field(c.name());
            if (f == null) {
                continue; // a dropped column, or a non-key column of a delete without full replica identity
            }
            try {
                values[i] = DebeziumValues.convert(row.get(f), f.schema(), c);
            } catch (UnfaithfulValueException e) {
                throw new IllegalStateException(kind.name().toLowerCase() + " of " + table + ": " + e.getMessage()
                        + "; run ALTER TABLE " + specs.get(table).schema() + "." + specs.get(table).name()
                        + " REPLICA IDENTITY FULL, then resync the table", e);
            }
        }
        out.collect(ChangeRecord.change(table, kind, version, sourceMillis, values));
    }

    /** The schema rows of {@code table} follow now; emits a marker first if it changed. */
    private TableSchema follow(String table, Schema rowSchema, Collector<ChangeRecord> out) throws Exception {
        TableSchema known = schemas.get(table);
        Set<String> fields = new LinkedHashSet<>();
        rowSchema.fields().forEach(f -> fields.add(f.name()));
        Set<String> live = new HashSet<>();
        known.columns().stream().filter(c -> !c.dropped()).forEach(c -> live.add(c.name()));
        if (fields.equals(live) || (live.containsAll(fields) && known.key().containsAll(fields))) {
            return known; // same columns, or a delete carrying only its key
        }
        TableSchema changed = merge(table, known, fields);
        schemas.put(table, changed);
        LOG.info("{} changed shape: columns now {}", table, changed.columns().stream()
                .map(c -> c.name() + (c.dropped() ? " (dropped)" : "")).toList());
        out.collect(ChangeRecord.marker(table, new SchemaChanged(changed)));
        return changed;
    }

    private TableSchema merge(String table, TableSchema known, Set<String> fields) throws Exception {
        TableSchema current;
        try (Connection conn = connections.open("schema")) {
            current = PostgresCatalog.read(conn, specs.get(table), false).schema();
        }
        List<ColumnSchema> merged = new ArrayList<>();
        for (ColumnSchema c : known.columns()) {
            int now = current.indexOf(c.name());
            if (!c.dropped() && fields.contains(c.name()) && now >= 0) {
                ColumnSchema latest = current.columns().get(now);
                if (!latest.type().equals(c.type())) {
                    throw new IllegalStateException("column " + c.name() + " of " + table + " changed type from "
                            + c.sourceType() + " to " + latest.sourceType() + "; Ferry cannot follow type changes:"
                            + " resync the table");
                }
                merged.add(c);
            } else if (known.key().contains(c.name()) && !fields.contains(c.name())) {
                throw new IllegalStateException("key column " + c.name() + " of " + table + " was dropped; resync the table");
            } else {
                merged.add(c.dropped() || fields.contains(c.name()) ? c : c.asDropped());
            }
        }
        for (String f : fields) {
            if (known.indexOf(f) < 0) {
                int i = current.indexOf(f);
                if (i < 0) {
                    throw new IllegalStateException("column " + f + " of " + table + " is in the change stream but no"
                            + " longer in the catalog (added and dropped again?); resync the table");
                }
                merged.add(current.columns().get(i));
            }
        }
        return known.withColumns(merged);
    }

    @Override
    public TypeInformation<ChangeRecord> getProducedType() {
        return RecordTypeInfo.CHANGE_RECORD;
    }
}
