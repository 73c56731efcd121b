package dev.ferry.jobs.mongo;

import static dev.ferry.jobs.mongo.MongoPipeIT.awaitEqual;
import static dev.ferry.jobs.mongo.MongoPipeIT.insert;
import static dev.ferry.jobs.mongo.MongoPipeIT.mixedDocuments;
import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import dev.ferry.jobs.FerryCli;
import dev.ferry.jobs.FlinkTestCluster;
import dev.ferry.operators.mongo.MongoDocumentMapper;
import dev.ferry.operators.mongo.MongoTestServer;
import dev.ferry.state.lifecycle.PipeState;
import dev.ferry.state.schema.TableSchema;
import dev.ferry.state.spec.TableSpec;
import dev.ferry.testing.ClickHouseTestDatabase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.bson.BsonDocument;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A MongoDB pipe on the local session cluster, operated through the {@code ferry} CLI with the same
 * commands as a Postgres pipe. The TaskManager process reads the fake server of this JVM over
 * loopback; changes are inserts and deletes (what the fake streams faithfully).
 */
class MongoPipeClusterIT {
    private static final Duration LONG = Duration.ofMinutes(3);

    private MongoTestServer mongo;
    private ClickHouseTestDatabase ch;
    private FerryCli cli;
    @TempDir
    Path dir;

    @BeforeAll
    static void cluster() {
        FlinkTestCluster.start();
    }

    @BeforeEach
    void servers() {
        mongo = MongoTestServer.replicaSet();
        ch = new ClickHouseTestDatabase("mcluster");
        cli = new FerryCli(ch);
    }

    @AfterEach
    void stop() {
        cli.run("delete", "docs"); // a test that failed half-way leaves its pipe running
        ch.close();
        mongo.close();
    }

    @Test
    void createPauseResumeAddCollectionResyncOneDelete() throws Exception {
        MongoCollection<BsonDocument> events = collection("events");
        insert(events, mixedDocuments(20_000, 1));
        Path spec = dir.resolve("docs.yaml");
        Files.writeString(spec, "name: docs\n" + mongo.sourceYaml("app")
                + ch.destinationYaml().replace("}\n", ", doc_column_type: string}\n") + "tables: [events]\n"
                + "settings: {sync_interval_seconds: 1, snapshot_num_rows_per_partition: 4000, initial_load_parallelism: 2}\n",
                StandardCharsets.UTF_8);

        cli.ok("create", spec.toString(), "--flink", FlinkTestCluster.url());
        insert(events, mixedDocuments(300, 2)); // while the load runs
        cli.awaitState("docs", PipeState.RUNNING, LONG);
        events.deleteMany(Filters.type("_id", "string"));
        awaitEqual(mongo, ch, "events", table("events"));
        assertThat(cli.ok("status", "docs")).contains("docs: Running", "Flink job");

        // Changes made while paused are read from the savepoint's resume tokens.
        cli.ok("pause", "docs");
        insert(events, mixedDocuments(200, 3));
        events.deleteMany(Filters.and(Filters.type("_id", "number"), Filters.lt("_id", 0)));
        Thread.sleep(3_000);
        assertThat(MongoCollectionComparison.compare(mongo.client().getDatabase("app")
                .getCollection("events", org.bson.RawBsonDocument.class), ch, table("events")).equal())
                .as("nothing flows while paused").isFalse();
        cli.ok("resume", "docs");
        cli.awaitState("docs", PipeState.RUNNING, LONG);
        awaitEqual(mongo, ch, "events", table("events"));

        // An added collection gets its initial load while the first keeps streaming.
        MongoCollection<BsonDocument> users = collection("users");
        insert(users, mixedDocuments(3_000, 4));
        cli.ok("add-tables", "docs", "users");
        insert(events, mixedDocuments(100, 5));
        cli.awaitState("docs", PipeState.RUNNING, LONG);
        insert(users, mixedDocuments(100, 6));
        awaitEqual(mongo, ch, "users", table("users"));
        awaitEqual(mongo, ch, "events", table("events"));

        // Resync of one collection: a row that should not be there proves the reload.
        ch.execute("INSERT INTO `" + ch.name() + "`.events (_id, doc, _version, _is_deleted) VALUES ('stray', '{}', 1, 0)");
        cli.ok("resync", "docs", "--table", "events");
        insert(events, mixedDocuments(100, 7)); // while it reloads
        cli.awaitState("docs", PipeState.RUNNING, LONG);
        awaitEqual(mongo, ch, "events", table("events"));
        awaitEqual(mongo, ch, "users", table("users"));
        assertThat(ch.count("SELECT count() FROM system.tables WHERE database = '" + ch.name()
                + "' AND name LIKE '%resync%'")).isZero();

        cli.ok("delete", "docs");
        assertThat(cli.fail("status", "docs")).contains("no pipe named docs");
        assertThat(cli.history("docs")).containsExactly(
                "Provisioning", "Setup", "Snapshot", "Running",
                "Pausing", "Paused", "Running",
                "Pausing", "Paused", "Modifying", "Snapshot", "Running",
                "Pausing", "Paused", "Resync", "Running");
    }

    private MongoCollection<BsonDocument> collection(String name) {
        return mongo.client().getDatabase("app").getCollection(name, BsonDocument.class);
    }

    private static TableSchema table(String collection) {
        return MongoDocumentMapper.schema(new TableSpec(null, collection, collection), false);
    }
}
