package dev.ferry.state.spec;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Splits a dotted SQL name into parts: quoted parts keep their case, bare parts fold to lower case. */
final class PostgresIdentifiers {
    private PostgresIdentifiers() {}

    static List<String> split(String text) {
        List<String> parts = new ArrayList<>();
        int i = 0;
        int n = text.length();
        while (true) {
            StringBuilder part = new StringBuilder();
            if (i < n && text.charAt(i) == '"') {
                i++;
                boolean closed = false;
                while (i < n) {
                    char c = text.charAt(i++);
                    if (c == '"') {
                        if (i < n && text.charAt(i) == '"') {
                            part.append('"');
                            i++;
                        } else {
                            closed = true;
                            break;
                        }
                    } else {
                        part.append(c);
                    }
                }
                if (!closed) {
                    throw new IllegalArgumentException("unterminated quoted identifier in '" + text + "'");
                }
            } else {
                while (i < n && text.charAt(i) != '.') {
                    char c = text.charAt(i++);
                    if (c == '"' || Character.isWhitespace(c)) {
                        throw new IllegalArgumentException(
                                "'" + text + "': quote identifiers with spaces or quotes, e.g. public.\"My Table\"");
                    }
                    part.append(c);
                }
                if (part.length() == 0) {
                    throw new IllegalArgumentException("empty identifier in '" + text + "'");
                }
                part = new StringBuilder(part.toString().toLowerCase(Locale.ROOT));
            }
            parts.add(part.toString());
            if (i >= n) {
                return parts;
            }
            if (text.charAt(i) != '.') {
                throw new IllegalArgumentException("expected '.' after identifier in '" + text + "'");
            }
            i++;
        }
    }
}
