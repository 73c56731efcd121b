package dev.ferry.state.spec;

import java.util.List;

/** Options of the {@code source:} section. */
public final class SourceOptions {
    private SourceOptions() {}

    public enum SslMode {
        DISABLE,
        PREFER,
        REQUIRE,
        VERIFY_CA,
        VERIFY_FULL
    }

    public enum ReadPreference {
        PRIMARY,
        PRIMARY_PREFERRED,
        SECONDARY,
        SECONDARY_PREFERRED,
        NEAREST
    }

    public static final PipeOption<SourceKind> TYPE = PipeOption.enumOption(
            "type", null, SourceKind.class, "Source system: postgres or mongodb.");
    public static final PipeOption<String> HOST =
            PipeOption.stringOption("host", null, "Postgres host name or address.");
    public static final PipeOption<Integer> PORT =
            PipeOption.intOption("port", 5432, 1, 65535, "Postgres port.");
    public static final PipeOption<String> DATABASE =
            PipeOption.stringOption("database", null, "Postgres database, or MongoDB database.");
    public static final PipeOption<String> USER =
            PipeOption.stringOption("user", null, "Postgres user (needs REPLICATION for CDC).");
    public static final PipeOption<String> PASSWORD =
            PipeOption.stringOption("password", "", "Postgres password; use ${ENV_VAR} to keep it out of the file.")
                    .asSecret();
    public static final PipeOption<SslMode> SSL_MODE = PipeOption.enumOption(
            "ssl_mode", SslMode.PREFER, SslMode.class, "Postgres sslmode.");
    public static final PipeOption<String> URI = PipeOption.stringOption(
                    "uri", null, "MongoDB connection string (replica set or mongos); may hold credentials.")
            .asSecret();
    public static final PipeOption<ReadPreference> READ_PREFERENCE = PipeOption.enumOption(
            "read_preference",
            ReadPreference.PRIMARY_PREFERRED,
            ReadPreference.class,
            "MongoDB read preference for the initial load.");

    public static final List<PipeOption<?>> ALL =
            List.of(TYPE, HOST, PORT, DATABASE, USER, PASSWORD, SSL_MODE, URI, READ_PREFERENCE);
}
