package dev.ferry.operators.postgres.snapshot;

import dev.ferry.operators.load.LoadPartition;
import java.util.Objects;

/**
 * One unit of the initial load: the rows of a table with {@code lower <= ctid < upper}. A null
 * lower bound means the start of the table; a null upper bound means no end, so rows appended
 * after planning are still read. A table's partitions are contiguous and cover every ctid.
 *
 * <p>A partition restored from a checkpoint carries where its reader was: rows up to and including
 * {@code resumeAfter} ({@code rowsBefore} of them) are already written, and reading continues after it.
 *
 * <p>For a partitioned table, {@code leaf} is the leaf partition the range is in (quoted and
 * qualified); the table's partitions run over its leaves one after another. Null for other tables.
 *
 * <p>Ctids name places in one set of files: {@code files} is the relfilenode of the relation read
 * (table or leaf) when the range was planned (0: not known), so a read can tell that VACUUM FULL,
 * CLUSTER or a rewrite renumbered the rows since. {@code pass} counts the plans of the table: a table
 * whose load starts over is planned again, under new split ids.
 */
public record CtidPartition(String table, int index, int count, Tid lower, Tid upper, Tid resumeAfter, long rowsBefore,
        String leaf, int pass, long files) implements LoadPartition {

    public CtidPartition {
        Objects.requireNonNull(table, "table");
        if (index < 0 || index >= count) {
            throw new IllegalArgumentException("partition " + index + " of " + count);
        }
        if (lower != null && upper != null && lower.compareTo(upper) >= 0) {
            throw new IllegalArgumentException("empty ctid range [" + lower + ", " + upper + ")");
        }
    }

    /** A partition not read yet. */
    public CtidPartition(String table, int index, int count, Tid lower, Tid upper) {
        this(table, index, count, lower, upper, null, 0, null, 0, 0);
    }

    /** The same partition, to be continued after {@code last}, {@code rows} rows having been read. */
    public CtidPartition resumingAfter(Tid last, long rows) {
        return new CtidPartition(table, index, count, lower, upper, last, rows, leaf, pass, files);
    }

    /** The same range in leaf partition {@code leaf}, numbered {@code index} of {@code count} of its table. */
    public CtidPartition inLeaf(String leaf, int index, int count) {
        return new CtidPartition(table, index, count, lower, upper, resumeAfter, rowsBefore, leaf, pass, files);
    }

    /** The same range, read from files {@code files} (a relfilenode). */
    public CtidPartition inFiles(long files) {
        return new CtidPartition(table, index, count, lower, upper, resumeAfter, rowsBefore, leaf, pass, files);
    }

    /** The same range in plan {@code pass} of its table. */
    public CtidPartition inPass(int pass) {
        return new CtidPartition(table, index, count, lower, upper, resumeAfter, rowsBefore, leaf, pass, files);
    }

    /** What the range is read from: the leaf partition alone, else the table ({@code qualifiedTable}). */
    public String relation(String qualifiedTable) {
        return leaf == null ? qualifiedTable : "ONLY " + leaf;
    }

    /**
     * The same partition restored before its first row: continued after a tid just below the range,
     * so its query says it resumes. No tuple has offset 0, so {@code ctid > (b,0)} starts at block b.
     */
    public CtidPartition resumingAtStart() {
        Tid before = lower == null ? Tid.startOf(0) : lower.offset() > 0 ? new Tid(lower.block(), lower.offset() - 1) : lower;
        return resumingAfter(before, 0);
    }

    @Override
    public String splitId() {
        return LoadPartition.splitId(table, pass, index);
    }

    /** The WHERE clause, with the range in the text so it shows in pg_stat_activity. */
    public String whereClause() {
        StringBuilder w = new StringBuilder();
        if (resumeAfter != null) {
            w.append("ctid > '").append(resumeAfter).append("'::tid");
        } else if (lower != null) {
            w.append("ctid >= '").append(lower).append("'::tid");
        }
        if (upper != null) {
            w.append(w.length() > 0 ? " AND " : "").append("ctid < '").append(upper).append("'::tid");
        }
        return w.length() == 0 ? "" : " WHERE " + w;
    }

    /** {@code [(0,0), (128,0))}, for logs and query comments; a continued read says where it resumes. */
    public String describeRange() {
        return (leaf == null ? "" : leaf + " ") + "[" + (lower == null ? "start" : lower) + ", " + (upper == null ? "end" : upper) + ")"
                + (resumeAfter == null ? "" : " resuming after " + resumeAfter);
    }
}
