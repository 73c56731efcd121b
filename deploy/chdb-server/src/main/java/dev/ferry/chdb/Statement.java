package dev.ferry.chdb;

import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * The statement at the start of a request's text (URL query, newline, body), told apart with a
 * small lexer that follows ClickHouse's: what kind of statement it is, the FORMAT of its output,
 * and for an INSERT that carries data, where the statement ends and the data begins.
 */
final class Statement {
    enum Kind {
        /** SELECT, WITH ..., (SELECT ...): the engine can stream its result. */
        SELECT,
        /** INSERT ... VALUES / FORMAT f, followed by its data. */
        INSERT_DATA,
        /** Everything else: DDL, INSERT ... SELECT, SHOW, SET, ... */
        OTHER
    }

    private static final Set<String> INSERT_STOP_WORDS = Set.of("SELECT", "WITH", "FROM");

    private final Kind kind;
    private final String outputFormat;
    private final boolean changesSession;
    private final boolean changesDatabase;
    private final int insertPrefixEnd;
    private final String inputFormat;
    private final int dataStart;

    private Statement(Kind kind, String outputFormat, boolean changesSession, boolean changesDatabase,
                      int insertPrefixEnd, String inputFormat, int dataStart) {
        this.kind = kind;
        this.outputFormat = outputFormat;
        this.changesSession = changesSession;
        this.changesDatabase = changesDatabase;
        this.insertPrefixEnd = insertPrefixEnd;
        this.inputFormat = inputFormat;
        this.dataStart = dataStart;
    }

    /**
     * Reads the statement in {@code text[0, length)}. For anything but an INSERT with data the
     * text must be complete: a second statement after {@code ;} is refused, as by the server.
     */
    static Statement parse(byte[] text, int length) {
        Lexer lexer = new Lexer(text, length);
        Token first = lexer.next();
        if (first.isWord("INSERT")) {
            Statement insert = parseInsert(lexer, text);
            if (insert != null) {
                return insert;
            }
            lexer = new Lexer(text, length);
            lexer.next();
        }
        Kind kind = first.isWord("SELECT") || first.isWord("WITH") || first.isPunct('(') ? Kind.SELECT : Kind.OTHER;
        Token second = lexer.peek();
        boolean changesSession = first.isWord("SET") || first.isWord("BEGIN") || first.isWord("START")
                || first.isWord("COMMIT") || first.isWord("ROLLBACK")
                || (first.isWord("CREATE") && second.isWord("TEMPORARY"));
        boolean changesDatabase = first.isWord("USE");
        int depth = first.isPunct('(') ? 1 : 0;
        return new Statement(kind, scanRest(lexer, depth), changesSession, changesDatabase, -1, null, -1);
    }

    Kind kind() {
        return kind;
    }

    /** The FORMAT clause's format, or null. */
    String outputFormat() {
        return outputFormat;
    }

    /** SET, temporary tables, transactions: session state a pooled connection must not carry on. */
    boolean changesSession() {
        return changesSession;
    }

    /** USE: switches the session's current database. */
    boolean changesDatabase() {
        return changesDatabase;
    }

    /** The INSERT up to (not including) its VALUES / FORMAT clause, e.g. {@code INSERT INTO t (a, b) }. */
    String insertPrefix(byte[] text) {
        return new String(text, 0, insertPrefixEnd, StandardCharsets.UTF_8);
    }

    /** The data's format: the FORMAT clause's, or Values. */
    String inputFormat() {
        return inputFormat;
    }

    /** Offset of the first data byte. */
    int dataStart() {
        return dataStart;
    }

    /**
     * {@code INSERT INTO [TABLE|FUNCTION] target [(columns)] [SETTINGS ...] VALUES|FORMAT f}; null
     * when the statement carries no data (INSERT ... SELECT) or is cut short.
     */
    private static Statement parseInsert(Lexer lexer, byte[] text) {
        if (!lexer.next().isWord("INTO")) {
            return null;
        }
        Token target = lexer.next();
        if (target.isWord("FUNCTION")) {
            lexer.next();
            if (!lexer.next().isPunct('(') || !lexer.skipBalanced()) {
                return null;
            }
        } else {
            if (target.isWord("TABLE")) {
                target = lexer.next();
            }
            if (target.isPunct('{') && !lexer.skipBalanced()) {
                return null;
            }
            while (lexer.peek().isPunct('.')) {
                lexer.next();
                if (lexer.next().isPunct('{') && !lexer.skipBalanced()) {
                    return null;
                }
            }
        }
        Token previous = target;
        for (Token t = lexer.next(); t.type != TokenType.END; previous = t, t = lexer.next()) {
            if (t.isPunct('(') || t.isPunct('[')) {
                if (!lexer.skipBalanced()) {
                    return null;
                }
                continue;
            }
            // A word next to '=' is a setting's name or value (SETTINGS format_csv_delimiter = ...).
            if (t.type != TokenType.WORD || previous.isPunct('=') || lexer.peek().isPunct('=')) {
                continue;
            }
            String word = t.text(text).toUpperCase();
            if (word.equals("VALUES")) {
                return new Statement(Kind.INSERT_DATA, null, false, false, t.start, "Values", t.end);
            }
            if (word.equals("FORMAT")) {
                Token name = lexer.next();
                if (name.type != TokenType.WORD && name.type != TokenType.QUOTED) {
                    return null;
                }
                return new Statement(Kind.INSERT_DATA, null, false, false, t.start, name.unquoted(text),
                        dataStartAfterFormat(text, lexer.length, name.end));
            }
            if (INSERT_STOP_WORDS.contains(word)) {
                return null;
            }
        }
        return null;
    }

    /** ClickHouse's rule: the data starts after the first newline, else after the blanks. */
    private static int dataStartAfterFormat(byte[] text, int length, int pos) {
        while (pos < length && (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\f')) {
            pos++;
        }
        if (pos < length && text[pos] == '\r') {
            pos++;
        }
        if (pos < length && text[pos] == '\n') {
            pos++;
        }
        return pos;
    }

    /** Finds the output FORMAT clause and refuses a second statement. */
    private static String scanRest(Lexer lexer, int depth) {
        String format = null;
        for (Token t = lexer.next(); t.type != TokenType.END; t = lexer.next()) {
            if (t.isPunct('(') || t.isPunct('[') || t.isPunct('{')) {
                depth++;
            } else if (t.isPunct(')') || t.isPunct(']') || t.isPunct('}')) {
                depth--;
            } else if (depth == 0 && t.isPunct(';')) {
                if (lexer.next().type != TokenType.END) {
                    throw new ClickHouseError(ClickHouseError.SYNTAX_ERROR,
                            "Syntax error (Multi-statements are not allowed): failed at position " + (t.start + 1)
                                    + " (end of query)");
                }
                break;
            } else if (depth == 0 && t.isWord("FORMAT")) {
                Token name = lexer.peek();
                // FORMAT f closes the statement (maybe followed by SETTINGS); "format" elsewhere is a name.
                if (name.type == TokenType.WORD || name.type == TokenType.QUOTED) {
                    lexer.next();
                    Token after = lexer.peek();
                    if (after.type == TokenType.END || after.isPunct(';') || after.isWord("SETTINGS")) {
                        format = name.unquoted(lexer.text);
                    }
                }
            }
        }
        return format;
    }

    private enum TokenType { WORD, QUOTED, STRING, NUMBER, PUNCT, END }

    private record Token(TokenType type, int start, int end, byte punct, byte[] source) {
        boolean isWord(String word) {
            if (type != TokenType.WORD || end - start != word.length()) {
                return false;
            }
            for (int i = 0; i < word.length(); i++) {
                if (Character.toUpperCase((char) source[start + i]) != word.charAt(i)) {
                    return false;
                }
            }
            return true;
        }

        boolean isPunct(char c) {
            return type == TokenType.PUNCT && punct == c;
        }

        String text(byte[] text) {
            return new String(text, start, end - start, StandardCharsets.UTF_8);
        }

        /** A word as is, a quoted identifier without its quotes (escapes are not expected in format names). */
        String unquoted(byte[] text) {
            return type == TokenType.QUOTED ? new String(text, start + 1, end - start - 2, StandardCharsets.UTF_8)
                    : text(text);
        }
    }

    /** Tokens of ClickHouse SQL; comments and whitespace are skipped. Unterminated text ends the input. */
    private static final class Lexer {
        final byte[] text;
        final int length;
        private int pos;

        Lexer(byte[] text, int length) {
            this.text = text;
            this.length = length;
        }

        Token peek() {
            int saved = pos;
            Token t = next();
            pos = saved;
            return t;
        }

        /** After an opening bracket: skips to its match. False if the input ends first. */
        boolean skipBalanced() {
            int depth = 1;
            while (depth > 0) {
                Token t = next();
                if (t.type == TokenType.END) {
                    return false;
                }
                if (t.isPunct('(') || t.isPunct('[') || t.isPunct('{')) {
                    depth++;
                } else if (t.isPunct(')') || t.isPunct(']') || t.isPunct('}')) {
                    depth--;
                }
            }
            return true;
        }

        Token next() {
            skipBlanksAndComments();
            if (pos >= length) {
                return end();
            }
            int start = pos;
            byte c = text[pos];
            if (isWordStart(c)) {
                while (pos < length && (isWordStart(text[pos]) || isDigit(text[pos]) || text[pos] == '$')) {
                    pos++;
                }
                return new Token(TokenType.WORD, start, pos, (byte) 0, text);
            }
            if (isDigit(c)) {
                while (pos < length && (isWordStart(text[pos]) || isDigit(text[pos]) || text[pos] == '.')) {
                    pos++;
                }
                return new Token(TokenType.NUMBER, start, pos, (byte) 0, text);
            }
            if (c == '\'' || c == '"' || c == '`') {
                return quoted(c == '\'' ? TokenType.STRING : TokenType.QUOTED, c);
            }
            if (c == '$') {
                Token heredoc = heredoc();
                if (heredoc != null) {
                    return heredoc;
                }
            }
            pos++;
            return new Token(TokenType.PUNCT, start, pos, c, text);
        }

        private Token quoted(TokenType type, byte quote) {
            int start = pos++;
            while (pos < length) {
                byte c = text[pos++];
                if (c == '\\') {
                    pos++;
                } else if (c == quote) {
                    if (pos < length && text[pos] == quote) {
                        pos++;
                    } else {
                        return new Token(type, start, pos, (byte) 0, text);
                    }
                }
            }
            return end();
        }

        /** {@code $tag$ ... $tag$}, or null when the '$' does not open one. */
        private Token heredoc() {
            int start = pos;
            int tagEnd = pos + 1;
            while (tagEnd < length && (isWordStart(text[tagEnd]) || isDigit(text[tagEnd]))) {
                tagEnd++;
            }
            if (tagEnd >= length || text[tagEnd] != '$') {
                return null;
            }
            int tagLength = tagEnd + 1 - start;
            for (int i = tagEnd + 1; i + tagLength <= length; i++) {
                if (java.util.Arrays.equals(text, i, i + tagLength, text, start, start + tagLength)) {
                    pos = i + tagLength;
                    return new Token(TokenType.STRING, start, pos, (byte) 0, text);
                }
            }
            pos = length;
            return end();
        }

        private void skipBlanksAndComments() {
            while (pos < length) {
                byte c = text[pos];
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0b) {
                    pos++;
                } else if (c == '-' && pos + 1 < length && text[pos + 1] == '-'
                        || c == '#' && pos + 1 < length && (text[pos + 1] == ' ' || text[pos + 1] == '!')) {
                    while (pos < length && text[pos] != '\n') {
                        pos++;
                    }
                } else if (c == '/' && pos + 1 < length && text[pos + 1] == '*') {
                    pos += 2;
                    int depth = 1;
                    while (pos < length && depth > 0) {
                        if (text[pos] == '/' && pos + 1 < length && text[pos + 1] == '*') {
                            depth++;
                            pos += 2;
                        } else if (text[pos] == '*' && pos + 1 < length && text[pos + 1] == '/') {
                            depth--;
                            pos += 2;
                        } else {
                            pos++;
                        }
                    }
                } else {
                    return;
                }
            }
        }

        private Token end() {
            return new Token(TokenType.END, length, length, (byte) 0, text);
        }

        private static boolean isWordStart(byte c) {
            return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || (c & 0x80) != 0;
        }

        private static boolean isDigit(byte c) {
            return c >= '0' && c <= '9';
        }
    }
}
