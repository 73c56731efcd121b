package dev.ferry.operators.postgres;

import java.io.Serializable;

/** A Postgres tuple id: heap block and line pointer, ordered as Postgres orders ctid. */
public record Tid(long block, int offset) implements Comparable<Tid>, Serializable {

    public Tid {
        if (block < 0 || block > 0xFFFF_FFFFL || offset < 0 || offset > 0xFFFF) {
            throw new IllegalArgumentException("not a tid: (" + block + "," + offset + ")");
        }
    }

    public static Tid startOf(long block) {
        return new Tid(block, 0);
    }

    /** Parses Postgres' text form {@code (block,offset)}. */
    public static Tid parse(String text) {
        String t = text.trim();
        if (!t.startsWith("(") || !t.endsWith(")") || t.indexOf(',') < 0) {
            throw new IllegalArgumentException("not a tid: " + text);
        }
        int comma = t.indexOf(',');
        return new Tid(Long.parseLong(t.substring(1, comma).trim()), Integer.parseInt(t.substring(comma + 1, t.length() - 1).trim()));
    }

    @Override
    public int compareTo(Tid o) {
        int c = Long.compare(block, o.block);
        return c != 0 ? c : Integer.compare(offset, o.offset);
    }

    /** Postgres' text form, usable as {@code '(b,o)'::tid}. */
    @Override
    public String toString() {
        return "(" + block + "," + offset + ")";
    }
}
