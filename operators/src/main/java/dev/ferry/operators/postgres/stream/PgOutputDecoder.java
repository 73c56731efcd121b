package dev.ferry.operators.postgres.stream;

import dev.ferry.operators.postgres.stream.PgOutputMessage.Begin;
import dev.ferry.operators.postgres.stream.PgOutputMessage.Commit;
import dev.ferry.operators.postgres.stream.PgOutputMessage.Delete;
import dev.ferry.operators.postgres.stream.PgOutputMessage.Insert;
import dev.ferry.operators.postgres.stream.PgOutputMessage.Other;
import dev.ferry.operators.postgres.stream.PgOutputMessage.Relation;
import dev.ferry.operators.postgres.stream.PgOutputMessage.RelationColumn;
import dev.ferry.operators.postgres.stream.PgOutputMessage.Truncate;
import dev.ferry.operators.postgres.stream.PgOutputMessage.Tuple;
import dev.ferry.operators.postgres.stream.PgOutputMessage.Update;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads one {@code pgoutput} message (protocol version 1, text values) from the payload of a
 * replication stream's XLogData. Values are kept as the text Postgres' type output functions
 * wrote, so they are parsed by the same code as the initial load's ({@link PostgresTextValues}):
 * no intermediate decoder stands between Postgres and Ferry's canonical values.
 */
final class PgOutputDecoder {
    private PgOutputDecoder() {}

    static PgOutputMessage decode(ByteBuffer buffer) {
        ByteBuffer b = buffer.slice();
        char type = (char) b.get();
        return switch (type) {
            case 'B' -> new Begin(b.getLong(), b.getLong(), b.getInt());
            case 'C' -> {
                b.get(); // flags, unused
                yield new Commit(b.getLong(), b.getLong(), b.getLong());
            }
            case 'R' -> relation(b);
            case 'I' -> {
                int relation = b.getInt();
                expect(b, 'N');
                yield new Insert(relation, tuple(b));
            }
            case 'U' -> {
                int relation = b.getInt();
                char kind = (char) b.get();
                Tuple old = null;
                char oldKind = ' ';
                if (kind == 'K' || kind == 'O') {
                    oldKind = kind;
                    old = tuple(b);
                    kind = (char) b.get();
                }
                if (kind != 'N') {
                    throw new IllegalArgumentException("pgoutput update: expected 'N', got '" + kind + "'");
                }
                yield new Update(relation, oldKind, old, tuple(b));
            }
            case 'D' -> {
                int relation = b.getInt();
                char kind = (char) b.get();
                if (kind != 'K' && kind != 'O') {
                    throw new IllegalArgumentException("pgoutput delete: expected 'K' or 'O', got '" + kind + "'");
                }
                yield new Delete(relation, kind, tuple(b));
            }
            case 'T' -> {
                int count = b.getInt();
                int options = b.get();
                List<Integer> relations = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    relations.add(b.getInt());
                }
                yield new Truncate(relations, (options & 1) != 0, (options & 2) != 0);
            }
            default -> new Other(type);
        };
    }

    private static Relation relation(ByteBuffer b) {
        int oid = b.getInt();
        String namespace = string(b);
        String name = string(b);
        char identity = (char) b.get();
        int count = b.getShort() & 0xffff;
        List<RelationColumn> columns = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            boolean key = (b.get() & 1) != 0;
            columns.add(new RelationColumn(string(b), key, b.getInt(), b.getInt()));
        }
        return new Relation(oid, namespace.isEmpty() ? "pg_catalog" : namespace, name, identity, columns);
    }

    private static Tuple tuple(ByteBuffer b) {
        int count = b.getShort() & 0xffff;
        String[] values = new String[count];
        boolean[] unchanged = new boolean[count];
        for (int i = 0; i < count; i++) {
            char kind = (char) b.get();
            switch (kind) {
                case 'n' -> values[i] = null;
                case 'u' -> unchanged[i] = true;
                case 't' -> {
                    int length = b.getInt();
                    values[i] = new String(b.array(), b.arrayOffset() + b.position(), length, StandardCharsets.UTF_8);
                    b.position(b.position() + length);
                }
                default -> throw new IllegalArgumentException("pgoutput tuple: unexpected column kind '" + kind
                        + "' (binary values are not requested)");
            }
        }
        return new Tuple(values, unchanged);
    }

    private static void expect(ByteBuffer b, char expected) {
        char got = (char) b.get();
        if (got != expected) {
            throw new IllegalArgumentException("pgoutput: expected '" + expected + "', got '" + got + "'");
        }
    }

    private static String string(ByteBuffer b) {
        int start = b.position();
        int end = start;
        while (b.get(end) != 0) {
            end++;
        }
        String s = new String(b.array(), b.arrayOffset() + start, end - start, StandardCharsets.UTF_8);
        b.position(end + 1);
        return s;
    }
}
