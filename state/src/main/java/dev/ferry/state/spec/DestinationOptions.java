package dev.ferry.state.spec;

import java.util.List;

/** Options of the {@code destination:} section (a ClickHouse server reached over HTTP). */
public final class DestinationOptions {
    private DestinationOptions() {}

    public static final PipeOption<String> URL = PipeOption.patternOption(
            "url", null, "https?://[^\\s/]+(:\\d+)?/?", "an http(s)://host:port URL", "ClickHouse HTTP endpoint.");
    public static final PipeOption<String> DATABASE = PipeOption.patternOption(
            "database", null, "[A-Za-z_][A-Za-z0-9_]{0,127}", "a ClickHouse identifier", "Destination database.");
    public static final PipeOption<String> USER =
            PipeOption.stringOption("user", "default", "ClickHouse user.");
    public static final PipeOption<String> PASSWORD =
            PipeOption.stringOption("password", "", "ClickHouse password; use ${ENV_VAR} to keep it out of the file.")
                    .asSecret();

    public static final PipeOption<String> STATUS_DATABASE = PipeOption.patternOption(
            "status_database", "ferry", "[A-Za-z_][A-Za-z0-9_]{0,127}", "a ClickHouse identifier",
            "Database of Ferry's status tables (pipe state history, table progress).");

    public static final List<PipeOption<?>> ALL = List.of(URL, DATABASE, USER, PASSWORD, STATUS_DATABASE);
}
