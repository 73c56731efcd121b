package dev.ferry.operators.clickhouse;

/** Quoting for SQL text Ferry sends to ClickHouse. */
public final class ClickHouseSql {
    private ClickHouseSql() {}

    public static String quoteIdent(String name) {
        return "`" + name.replace("\\", "\\\\").replace("`", "\\`") + "`";
    }

    public static String qualified(String database, String table) {
        return quoteIdent(database) + "." + quoteIdent(table);
    }

    public static String quoteLiteral(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
