package dev.ferry.operators.clickhouse;

import static dev.ferry.operators.clickhouse.ClickHouseSql.qualified;
import static dev.ferry.operators.clickhouse.ClickHouseSql.quoteIdent;
import static dev.ferry.operators.clickhouse.ClickHouseSql.quoteLiteral;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.GenericRecord;
import com.clickhouse.client.api.query.QuerySettings;
import dev.ferry.state.record.ChangeRecord;
import dev.ferry.state.record.ChangeRecordSerializer;
import dev.ferry.state.record.ChangeVersions;
import dev.ferry.state.schema.ColumnSchema;
import dev.ferry.state.schema.TableSchema;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes of rows of a keyless table (an UPDATE of one is a delete of the old row and an insert of
 * the new): Postgres names such a row only by its whole content, logged with REPLICA IDENTITY FULL.
 *
 * <p>Each delete tombstones one live destination row with that content that existed before the
 * change (streamed before it, or read by a snapshot taken before it committed) and that no other
 * delete takes. Duplicates are interchangeable, so
 * which one goes does not matter, only that as many go as the source deleted. A delete whose row is
 * not in ClickHouse yet (the initial load is still copying it) waits, in checkpointed state, and is
 * tried again at every write of its table. A delete replayed after a restore finds its own tombstone
 * (its version is its WAL position, unique per row change) and is not applied twice.
 *
 * <p>Contents are compared in ClickHouse on both sides: the deleted rows are sent in RowBinary, as
 * inserts are, read through {@code format()} and hashed like the stored rows, so both sides went
 * through the same parsing. Each attempt scans the table once: the cost of having no key.
 */
final class ClickHouseKeylessDeletes {
    private static final Logger LOG = LoggerFactory.getLogger(ClickHouseKeylessDeletes.class);
    /** Raw RowBinary per query; the query text holds it escaped (up to four times as long). */
    private static final int MAX_PROBE_BYTES = 4 << 20;

    /** A delete still to apply to one destination table. */
    private record Waiting(String target, ChangeRecord delete) {}

    /** A live destination row with the content a delete names. */
    private record Candidate(String key, long version) {}

    /** Per source table, in arrival (= version) order. */
    private final Map<String, List<Waiting>> waiting = new HashMap<>();

    /** A DELETE without key values names its row by content: only a keyless table's are such. */
    static boolean byContent(TableSchema schema, ChangeRecord record) {
        if (!record.isDelete() || schema.key().size() != 1) {
            return false;
        }
        return record.values()[schema.indexOf(schema.key().get(0))] == null;
    }

    void add(List<String> targets, ChangeRecord delete) {
        List<Waiting> list = waiting.computeIfAbsent(delete.table(), t -> new ArrayList<>());
        for (String target : targets) {
            list.add(new Waiting(target, delete));
        }
    }

    int waiting(String table) {
        return waiting.getOrDefault(table, List.of()).size();
    }

    /** After a TRUNCATE no row a waiting delete could mean is left. */
    void forget(String table) {
        waiting.remove(table);
    }

    /** Deletes meant for a table that is gone (a resync copy swapped in and dropped). */
    void forgetTarget(String table, String target) {
        List<Waiting> list = waiting.get(table);
        if (list != null) {
            list.removeIf(w -> w.target().equals(target));
        }
    }

    /** Deletes meant for {@code from}, which now goes by the name {@code to} (a reload copy swapped in). */
    void retarget(String table, String from, String to) {
        List<Waiting> list = waiting.get(table);
        if (list != null) {
            list.replaceAll(w -> w.target().equals(from) ? new Waiting(to, w.delete()) : w);
        }
    }

    /**
     * Finds the rows the table's waiting deletes remove, per destination table; those found leave the
     * waiting list, and their tombstones (each the deleted row under the key of the row it removes) are
     * returned for the caller to insert.
     */
    Map<String, List<ChangeRecord>> match(Client client, ClickHouseDestinationLayout layout, TableSchema schema,
            boolean nullsAsDefaults) {
        List<Waiting> list = waiting.get(schema.sourceId());
        Map<String, List<ChangeRecord>> tombstones = new HashMap<>();
        if (list == null || list.isEmpty()) {
            return tombstones;
        }
        Map<String, List<ChangeRecord>> byTarget = new HashMap<>();
        for (Waiting w : list) {
            byTarget.computeIfAbsent(w.target(), t -> new ArrayList<>()).add(fit(w.delete(), schema));
        }
        List<Waiting> still = new ArrayList<>();
        for (Map.Entry<String, List<ChangeRecord>> e : byTarget.entrySet()) {
            String table = qualified(layout.database(), e.getKey());
            Set<Long> applied = alreadyApplied(client, table, e.getValue());
            long newestSnapshot = newestSnapshot(client, table);
            e.getValue().sort((a, b) -> Long.compareUnsigned(a.version(), b.version()));
            RowBinaryEncoder encoder = new RowBinaryEncoder(schema, (column, value, written, key) -> {}, nullsAsDefaults);
            RowBinaryBuffer probe = new RowBinaryBuffer(1 << 12);
            List<ChangeRecord> chunk = new ArrayList<>();
            Set<String> taken = new HashSet<>();
            List<ChangeRecord> found = new ArrayList<>();
            for (ChangeRecord d : e.getValue()) {
                if (applied.contains(d.version())) {
                    continue;
                }
                encoder.encode(asProbe(schema, d), probe);
                chunk.add(d);
                if (probe.size() >= MAX_PROBE_BYTES) {
                    found.addAll(matchChunk(client, table, schema, chunk, probe, taken, newestSnapshot, still,
                            e.getKey()));
                    chunk.clear();
                    probe.reset();
                }
            }
            if (!chunk.isEmpty()) {
                found.addAll(matchChunk(client, table, schema, chunk, probe, taken, newestSnapshot, still, e.getKey()));
            }
            tombstones.put(e.getKey(), found);
        }
        waiting.put(schema.sourceId(), still);
        return tombstones;
    }

    /** The version of the newest snapshot whose rows the table holds (0 if none). */
    private static long newestSnapshot(Client client, String table) {
        String version = quoteIdent(ClickHouseTableDdl.VERSION);
        return ClickHouseConnections.queryAll(client, "SELECT max(" + version + ") FROM " + table + " WHERE " + version
                + " < " + Long.toUnsignedString(ChangeVersions.CHANGE_BIT)).get(0).getBigInteger(1).longValue();
    }

    /**
     * Versions of the deletes whose tombstone is already there: applied before a restore replayed them.
     * Asked by the range the deletes span, not by a list of them: one statement can delete more rows
     * than a query may name.
     */
    private static Set<Long> alreadyApplied(Client client, String table, List<ChangeRecord> deletes) {
        Set<Long> versions = new HashSet<>();
        deletes.forEach(d -> versions.add(d.version()));
        String version = quoteIdent(ClickHouseTableDdl.VERSION);
        Set<Long> done = new HashSet<>();
        for (GenericRecord r : ClickHouseConnections.queryAll(client, "SELECT DISTINCT " + version + " FROM " + table
                + " WHERE " + quoteIdent(ClickHouseTableDdl.IS_DELETED) + " = 1 AND " + version + " BETWEEN "
                + Long.toUnsignedString(versions.stream().min(Long::compareUnsigned).orElseThrow()) + " AND "
                + Long.toUnsignedString(versions.stream().max(Long::compareUnsigned).orElseThrow()))) {
            long v = r.getBigInteger(1).longValue();
            if (versions.contains(v)) {
                done.add(v);
            }
        }
        return done;
    }

    /**
     * Matches one chunk ({@code probe} holds its rows, in version order); rows taken by earlier chunks
     * (their tombstones not written yet) stay taken. A delete may take a row the stream wrote before
     * it (a lower version), or a row of a snapshot taken before its transaction committed; a snapshot
     * taken after it already lacks the row. Lowest versions go first: a row old enough for one
     * delete is old enough for every later one.
     *
     * <p>A delete finding no row waits, unless the table already holds rows of a snapshot taken after
     * its commit: then no older snapshot's rows are still to come (a restored initial load, or a
     * resync copy, reads only under its newer snapshot), so the row it names is not coming either.
     */
    private static List<ChangeRecord> matchChunk(Client client, String table, TableSchema schema,
            List<ChangeRecord> deletes, RowBinaryBuffer probe, Set<String> taken, long newestSnapshot,
            List<Waiting> still, String target) {
        QuerySettings settings = new QuerySettings().serverSetting("max_query_size",
                Integer.toString(4 * probe.size() + (1 << 20)));
        ClickHouseTypes.insertSettings(schema).forEach(settings::serverSetting);
        String content = contentHash(schema);
        List<String> hashes = new ArrayList<>();
        for (GenericRecord r : client.queryAll("SELECT hex(" + content + ") FROM format(RowBinary, "
                + quoteLiteral(structure(schema)) + ", " + binaryLiteral(probe) + ") ORDER BY rowNumberInAllBlocks()",
                settings)) {
            hashes.add(r.getString(1));
        }
        Map<String, Integer> perHash = new HashMap<>();
        hashes.forEach(h -> perHash.merge(h, 1, Integer::sum));
        int most = perHash.values().stream().mapToInt(Integer::intValue).max().orElse(0);
        StringJoiner in = new StringJoiner(", ", "(", ")");
        perHash.keySet().forEach(h -> in.add(quoteLiteral(h)));
        String key = quoteIdent(schema.key().get(0));
        String version = quoteIdent(ClickHouseTableDdl.VERSION);
        // per content, the oldest candidates among snapshot rows and among streamed rows
        Map<String, ArrayDeque<Candidate>> snapshotRows = new HashMap<>();
        Map<String, ArrayDeque<Candidate>> streamedRows = new HashMap<>();
        String candidates = "SELECT h, " + key + ", " + version + " FROM (SELECT hex(" + content + ") AS h, " + key + ", "
                + version + ", " + version + " >= " + Long.toUnsignedString(ChangeVersions.CHANGE_BIT) + " AS streamed FROM "
                + table + " FINAL WHERE " + quoteIdent(ClickHouseTableDdl.IS_DELETED) + " = 0) WHERE h IN " + in
                + " ORDER BY " + version + " LIMIT " + (most + taken.size()) + " BY h, streamed";
        // a chunk may name more contents than the default query size allows
        QuerySettings sized = new QuerySettings().serverSetting("max_query_size",
                Integer.toString(candidates.length() + (1 << 20)));
        for (GenericRecord r : client.queryAll(candidates, sized)) {
            Candidate c = new Candidate(r.getString(2), r.getBigInteger(3).longValue());
            if (!taken.contains(c.key())) {
                (ChangeVersions.isChange(c.version()) ? streamedRows : snapshotRows)
                        .computeIfAbsent(r.getString(1), h -> new ArrayDeque<>()).add(c);
            }
        }
        List<ChangeRecord> tombstones = new ArrayList<>();
        int keyAt = schema.indexOf(schema.key().get(0));
        int gone = 0;
        String firstGone = null;
        for (int i = 0; i < deletes.size(); i++) {
            ChangeRecord d = deletes.get(i);
            long commit = d.commitPosition();
            ArrayDeque<Candidate> fromSnapshot = snapshotRows.getOrDefault(hashes.get(i), new ArrayDeque<>());
            ArrayDeque<Candidate> fromStream = streamedRows.getOrDefault(hashes.get(i), new ArrayDeque<>());
            ArrayDeque<Candidate> from = !fromSnapshot.isEmpty() && (commit == 0 || fromSnapshot.peekFirst().version() < commit)
                    ? fromSnapshot
                    : !fromStream.isEmpty() && Long.compareUnsigned(fromStream.peekFirst().version(), d.version()) < 0
                            ? fromStream : null;
            if (from == null) {
                if (commit != 0 && newestSnapshot >= commit) {
                    if (gone++ == 0) {
                        firstGone = "version " + Long.toUnsignedString(d.version()) + ", commit " + commit
                                + ", content hash " + hashes.get(i) + ", newest snapshot " + newestSnapshot;
                    }
                } else {
                    still.add(new Waiting(target, d));
                }
                continue;
            }
            Candidate row = from.removeFirst();
            taken.add(row.key());
            Object[] values = d.values().clone();
            values[keyAt] = row.key();
            tombstones.add(ChangeRecord.change(d.table(), ChangeRecord.Kind.DELETE, d.version(), d.sourceMillis(), values));
        }
        if (gone > 0) {
            LOG.info("{}: {} deletes find no row from before them while a later snapshot's rows are there:"
                    + " their rows were gone when that snapshot was read (the first: {})", target, gone, firstGone);
        }
        return tombstones;
    }

    /** The row's content in a form both sides print alike: every live source column, as text, hashed. */
    private static String contentHash(TableSchema schema) {
        StringJoiner columns = new StringJoiner(", ");
        for (ColumnSchema c : schema.columns()) {
            if (!c.dropped() && !schema.key().contains(c.name())) {
                columns.add(quoteIdent(c.name()));
            }
        }
        return "sipHash128(formatRowNoNewline('TSV', " + columns + "))";
    }

    /** The columns an insert sends, with their types: how {@code format()} reads the probe rows. */
    private static String structure(TableSchema schema) {
        StringJoiner s = new StringJoiner(", ");
        for (ColumnSchema c : schema.columns()) {
            s.add(quoteIdent(c.name()) + " " + ClickHouseTypes.of(c));
        }
        s.add(quoteIdent(ClickHouseTableDdl.VERSION) + " UInt64");
        s.add(quoteIdent(ClickHouseTableDdl.IS_DELETED) + " UInt8");
        return s.toString();
    }

    /** The deleted row encoded as an insert would be (an empty key: the key is what is looked for). */
    private static ChangeRecord asProbe(TableSchema schema, ChangeRecord delete) {
        Object[] values = delete.values().clone();
        values[schema.indexOf(schema.key().get(0))] = "";
        return ChangeRecord.change(delete.table(), ChangeRecord.Kind.INSERT, delete.version(), 0L, values);
    }

    /**
     * A delete made under an older column list, in today's: columns are only ever appended (a dropped
     * one keeps its place), and rows logged before a column was added read its fast default.
     */
    private static ChangeRecord fit(ChangeRecord delete, TableSchema schema) {
        int size = schema.columns().size();
        if (delete.values().length == size) {
            return delete;
        }
        Object[] values = java.util.Arrays.copyOf(delete.values(), size);
        for (int i = delete.values().length; i < size; i++) {
            values[i] = schema.columns().get(i).missing();
        }
        return ChangeRecord.change(delete.table(), delete.kind(), delete.version(), delete.sourceMillis(), values);
    }

    private static String binaryLiteral(RowBinaryBuffer rows) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(rows.size());
        try {
            rows.writeTo(bytes);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        StringBuilder s = new StringBuilder(rows.size() * 4 + 2).append('\'');
        for (byte b : bytes.toByteArray()) {
            int c = b & 0xff;
            if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\') {
                s.append((char) c);
            } else {
                s.append("\\x").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xf, 16));
            }
        }
        return s.append('\'').toString();
    }

    /** The waiting deletes, for a checkpoint. */
    byte[] snapshot() throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(256);
        List<Waiting> all = new ArrayList<>();
        waiting.values().forEach(all::addAll);
        out.writeInt(all.size());
        for (Waiting w : all) {
            out.writeUTF(w.target());
            ChangeRecordSerializer.INSTANCE.serialize(w.delete(), out);
        }
        return out.getCopyOfBuffer();
    }

    void restore(byte[] bytes) throws IOException {
        DataInputDeserializer in = new DataInputDeserializer(bytes);
        for (int n = in.readInt(); n > 0; n--) {
            String target = in.readUTF();
            ChangeRecord delete = ChangeRecordSerializer.INSTANCE.deserialize(in);
            waiting.computeIfAbsent(delete.table(), t -> new ArrayList<>()).add(new Waiting(target, delete));
        }
    }
}
