package dev.ferry.jobs.server;

import dev.ferry.jobs.FlinkTestCluster;
import dev.ferry.jobs.control.PipeControl;
import dev.ferry.operators.clickhouse.ClickHouseConnections;
import dev.ferry.operators.clickhouse.ClickHousePipeCatalog;
import dev.ferry.testing.ClickHouseTestDatabase;
import dev.ferry.testing.LocalServers;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Consumer;

/** A started {@code ferry server} on a free loopback port, its catalog in the test's status database, watching every second. */
final class TestServers {
    private TestServers() {}

    static FerryServer start(ClickHouseTestDatabase ch, ApiTokens tokens, AlertSettings alerts,
            Consumer<AlertNotice> notices) throws IOException {
        ClickHousePipeCatalog catalog = new ClickHousePipeCatalog(
                ClickHouseConnections.open(LocalServers.clickhouseUrl(), "default", ""), ch.statusDatabase());
        catalog.create();
        PipeControl control = new PipeControl(catalog, System.getenv());
        PipeWatcher watcher = new PipeWatcher(control, alerts, notices, Clock.systemUTC());
        FerryServer server = new FerryServer(new InetSocketAddress("127.0.0.1", 0), tokens, control, watcher,
                FlinkTestCluster.url());
        server.start();
        watcher.start(Duration.ofSeconds(1));
        return server;
    }
}
