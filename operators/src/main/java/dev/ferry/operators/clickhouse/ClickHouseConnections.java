package dev.ferry.operators.clickhouse;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.command.CommandResponse;
import com.clickhouse.client.api.query.GenericRecord;
import dev.ferry.operators.PipeSetupException;
import dev.ferry.state.spec.DestinationOptions;
import dev.ferry.state.spec.OptionValues;
import java.io.Serializable;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Opens clickhouse-java (client-v2, HTTP) clients to the pipe's destination. */
public final class ClickHouseConnections implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final long STATEMENT_TIMEOUT_SECONDS = 300;

    private final OptionValues destination;

    public ClickHouseConnections(OptionValues destination) {
        this.destination = destination;
    }

    public String database() {
        return destination.get(DestinationOptions.DATABASE);
    }

    /**
     * How Ferry's tables sit on this destination (engine, ON CLUSTER, Replicated database, Distributed),
     * from the pipe's options and the database's engine on the server.
     */
    public ClickHouseDestinationLayout layout(Client client) {
        return ClickHouseDestinationLayout.detect(client, destination);
    }

    /** Where the destination is, for messages: never includes credentials. */
    public String describe() {
        return "clickhouse " + destination.get(DestinationOptions.URL);
    }

    public Client open() {
        return open(destination.get(DestinationOptions.URL), destination.get(DestinationOptions.USER),
                destination.get(DestinationOptions.PASSWORD));
    }

    /** A client for any ClickHouse endpoint (the destination, or the pipe catalog's server). */
    public static Client open(String url, String user, String password) {
        return new Client.Builder()
                .addEndpoint(url)
                .setUsername(user)
                .setPassword(password)
                .setConnectTimeout(10_000)
                .setSocketTimeout(STATEMENT_TIMEOUT_SECONDS * 1000)
                .build();
    }

    /** Opens a client and checks the server answers and accepts the credentials. */
    public Client openChecked() {
        Client client = open();
        try {
            queryAll(client, "SELECT 1");
            return client;
        } catch (RuntimeException e) {
            client.close();
            throw new PipeSetupException("cannot reach " + describe() + " as " + destination.get(DestinationOptions.USER)
                    + ": " + PipeSetupException.firstLine(rootCause(e)), e);
        }
    }

    /** Runs a statement and waits for it. */
    public static void execute(Client client, String sql) {
        try (CommandResponse ignored = client.execute(sql).get(STATEMENT_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            // nothing to read
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(ClickHouseDestinationCheck.explain(rootCause(e)), e);
        } catch (Exception e) {
            throw new IllegalStateException(ClickHouseDestinationCheck.explain(e), e);
        }
    }

    public static List<GenericRecord> queryAll(Client client, String sql) {
        return client.queryAll(sql);
    }

    static Throwable rootCause(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c;
    }
}
