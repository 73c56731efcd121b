package dev.ferry.operators.postgres;

/** Quoting of identifiers and literals for SQL text Ferry builds itself. */
public final class PostgresSql {
    private PostgresSql() {}

    public static String quoteIdent(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    public static String qualified(String schema, String name) {
        return quoteIdent(schema) + "." + quoteIdent(name);
    }

    public static String quoteLiteral(String value) {
        return "'" + value.replace("'", "''") + "'";
    }
}
