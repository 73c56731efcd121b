package dev.ferry.jobs.cli;

import com.clickhouse.client.api.Client;
import dev.ferry.operators.clickhouse.ClickHousePipeCatalog;
import dev.ferry.jobs.control.PipeControl;
import dev.ferry.operators.PipeSetupException;
import dev.ferry.operators.clickhouse.ClickHouseConnections;
import picocli.CommandLine.Option;

/** Where the pipe catalog is: every command that manages pipes on a cluster takes these. */
final class ControlOptions {
    @Option(names = "--catalog", defaultValue = "${env:FERRY_CATALOG_URL:-http://127.0.0.1:18123}",
            description = "ClickHouse holding the pipe catalog (env FERRY_CATALOG_URL; user and password from"
                    + " FERRY_CATALOG_USER, FERRY_CATALOG_PASSWORD). Default: ${DEFAULT-VALUE}")
    String catalogUrl;

    @Option(names = "--catalog-database", defaultValue = "${env:FERRY_CATALOG_DATABASE:-ferry}",
            description = "Database of the catalog. Default: ${DEFAULT-VALUE}")
    String catalogDatabase;

    PipeControl open() {
        Client client = ClickHouseConnections.open(catalogUrl,
                System.getenv().getOrDefault("FERRY_CATALOG_USER", "default"),
                System.getenv().getOrDefault("FERRY_CATALOG_PASSWORD", ""));
        try {
            ClickHousePipeCatalog catalog = new ClickHousePipeCatalog(client, catalogDatabase);
            catalog.create();
            return new PipeControl(catalog, System.getenv());
        } catch (RuntimeException e) {
            client.close();
            throw new PipeSetupException("cannot use the pipe catalog at " + catalogUrl + ": "
                    + PipeSetupException.firstLine(e), e);
        }
    }
}
