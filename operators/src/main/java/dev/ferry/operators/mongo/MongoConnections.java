package dev.ferry.operators.mongo;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.ReadPreference;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import dev.ferry.state.spec.OptionValues;
import dev.ferry.state.spec.SourceOptions;
import java.io.Serializable;
import java.util.concurrent.TimeUnit;

/**
 * Opens MongoDB driver clients to the pipe's source. Each client names its role in the driver's
 * application name ({@code ferry:<pipe>:<role>}), which shows in {@code currentOp} and the server log.
 * The connection string may hold credentials: it is never logged or put in a message; {@link #describe()}
 * names the hosts only.
 */
public final class MongoConnections implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Unless the connection string says otherwise: an unreachable server is an error after this, not 30 s. */
    private static final long SERVER_SELECTION_SECONDS = 10;

    private final String pipe;
    private final OptionValues source;

    public MongoConnections(String pipe, OptionValues source) {
        this.pipe = pipe;
        this.source = source;
    }

    public String database() {
        return source.get(SourceOptions.DATABASE);
    }

    /** Where the source is, for messages: the hosts and database, never the credentials. */
    public String describe() {
        return "mongodb " + String.join(",", connectionString().getHosts()) + "/" + database();
    }

    /** Throws IllegalArgumentException naming what is wrong (the driver's message holds no credentials). */
    public ConnectionString connectionString() {
        return new ConnectionString(source.get(SourceOptions.URI));
    }

    public MongoClient open(String role) {
        ConnectionString uri = connectionString();
        MongoClientSettings.Builder settings = MongoClientSettings.builder()
                .applyConnectionString(uri)
                .applicationName("ferry:" + pipe + ":" + role);
        if (uri.getServerSelectionTimeout() == null) {
            settings.applyToClusterSettings(c -> c.serverSelectionTimeout(SERVER_SELECTION_SECONDS, TimeUnit.SECONDS));
        }
        return MongoClients.create(settings.build());
    }

    /** Where the initial load reads (the spec's read_preference); the change stream always reads the primary. */
    public ReadPreference loadReadPreference() {
        return switch (source.get(SourceOptions.READ_PREFERENCE)) {
            case PRIMARY -> ReadPreference.primary();
            case PRIMARY_PREFERRED -> ReadPreference.primaryPreferred();
            case SECONDARY -> ReadPreference.secondary();
            case SECONDARY_PREFERRED -> ReadPreference.secondaryPreferred();
            case NEAREST -> ReadPreference.nearest();
        };
    }
}
