package dev.ferry.testing;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.GenericRecord;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/** A fresh database on the local ClickHouse (plus its own status database), dropped by {@link #close()}. */
public final class ClickHouseTestDatabase implements AutoCloseable {
    private final String name;
    private final Client client;

    public ClickHouseTestDatabase(String prefix) {
        LocalServers.ensureStarted();
        this.name = (prefix + "_" + UUID.randomUUID().toString().substring(0, 8)).toLowerCase(Locale.ROOT);
        this.client = new Client.Builder().addEndpoint(LocalServers.clickhouseUrl()).setUsername("default")
                .setPassword("").build();
    }

    public String name() {
        return name;
    }

    public String statusDatabase() {
        return name + "_status";
    }

    public Client client() {
        return client;
    }

    /** The destination: section of a pipe spec for this database. */
    public String destinationYaml() {
        return "destination: {url: '" + LocalServers.clickhouseUrl() + "', database: " + name + ", status_database: "
                + statusDatabase() + "}\n";
    }

    public List<GenericRecord> query(String sql) {
        return client.queryAll(sql);
    }

    public long count(String sql) {
        return query(sql).get(0).getLong(1);
    }

    public void execute(String sql) {
        try {
            client.execute(sql).get(5, TimeUnit.MINUTES).close();
        } catch (Exception e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        execute("DROP DATABASE IF EXISTS `" + name + "`");
        execute("DROP DATABASE IF EXISTS `" + statusDatabase() + "`");
        client.close();
    }
}
