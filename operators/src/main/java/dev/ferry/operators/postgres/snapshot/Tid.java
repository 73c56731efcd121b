package dev.ferry.operators.postgres.snapshot;

import java.io.Serializable;

/** A Postgres tuple id: heap block and line pointer, ordered as Postgres orders ctid. */
public record Tid(long block, int offset) implements Comparable<Tid>, Serializable {

    public Tid {
        if (block < 0 || block > 0xFFFF_FFFFL || offset < 0 || offset > 0xFFFF) {
            throw new IllegalArgumentException("not a tid: (" + block + "," + offset + ")");
        }
    }

    /** Postgres' binary form: the block (4 bytes) then the line pointer (2), big-endian. */
    static Tid fromBinary(byte[] raw) {
        if (raw.length != 6) {
            throw new IllegalArgumentException("not a binary tid: " + raw.length + " bytes");
        }
        long block = ((raw[0] & 0xffL) << 24) | ((raw[1] & 0xff) << 16) | ((raw[2] & 0xff) << 8) | (raw[3] & 0xff);
        return new Tid(block, ((raw[4] & 0xff) << 8) | (raw[5] & 0xff));
    }

    /** The tid in one long (block, then line pointer): kept per row without an object. */
    long packed() {
        return (block << 16) | offset;
    }

    static Tid unpack(long packed) {
        return new Tid(packed >>> 16, (int) (packed & 0xFFFF));
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
