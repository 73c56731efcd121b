package dev.ferry.operators.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import dev.ferry.state.record.ChangeRecord.Kind;
import dev.ferry.state.record.ChangeVersions;
import dev.ferry.state.spec.PipeSpecParser;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.connector.base.source.reader.splitreader.SplitsAddition;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.bson.BsonTimestamp;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A collection's change stream against mongo-java-server: inserts and deletes from the start time
 * Setup takes, and a resume from the token a checkpoint would hold, after a restart. (Update and
 * replace events of the fake are not MongoDB's: see MongoChangeEventMapperTest.)
 */
class MongoChangeStreamFetcherTest {
    private MongoTestServer mongo;
    private MongoConnections connections;
    private MongoCollection<Document> items;

    @BeforeEach
    void start() {
        mongo = MongoTestServer.replicaSet();
        connections = new MongoConnections("test", PipeSpecParser.parse("name: t\n" + mongo.sourceYaml("app")
                + "destination: {url: 'http://h:8123', database: d}\ntables: [items]\n", Map.of()).source());
        items = mongo.client().getDatabase("app").getCollection("items");
        items.insertOne(new Document("_id", "before"));
    }

    @AfterEach
    void stop() {
        mongo.close();
    }

    @Test
    void insertsAndDeletesFromTheStartTimeThenResumeAfterTheCheckpointedToken() throws Exception {
        BsonTimestamp startAt = setupClusterTime();
        for (int i = 0; i < 50; i++) {
            items.insertOne(new Document("_id", i).append("n", i));
        }
        items.deleteMany(Filters.lt("_id", 10));

        List<MongoChangeEvent> first;
        MongoChangeStreamPosition position = new MongoChangeStreamPosition(MongoChangeStreamSplit.startingAt("items",
                startAt.getValue()));
        try (var client = connections.open("test"); var fetcher = fetcher(client, position.toSplit())) {
            first = rows(MongoSplitReaders.drain(fetcher, 61, 30_000));
        }
        // The start time is inclusive: the last write before it ("before") comes again, harmlessly.
        assertThat(first).hasSize(61);
        assertThat(first.get(0).record().values()[0]).isEqualTo("before");
        List<MongoChangeEvent> changes = first.subList(1, 61);
        assertThat(changes.subList(0, 50)).allSatisfy(e -> assertThat(e.record().kind()).isEqualTo(Kind.INSERT));
        assertThat(changes.subList(50, 60)).allSatisfy(e -> {
            assertThat(e.record().kind()).isEqualTo(Kind.DELETE);
            assertThat(e.record().values()[1]).isNull();
        });
        assertThat(changes.get(7).record().values()).containsExactly("7", "{\"_id\": 7, \"n\": 7}");
        for (int i = 1; i < first.size(); i++) {
            assertThat(ChangeVersions.isChange(first.get(i).record().version())).isTrue();
            assertThat(Long.compareUnsigned(first.get(i).record().version(), first.get(i - 1).record().version()))
                    .as("versions rise in stream order").isPositive();
        }

        // A checkpoint after the 30th event; the job restarts and resumes from it.
        first.subList(0, 30).forEach(position::advance);
        items.insertOne(new Document("_id", "after restart"));
        List<MongoChangeEvent> resumed;
        try (var client = connections.open("test"); var fetcher = fetcher(client, position.toSplit())) {
            resumed = rows(MongoSplitReaders.drain(fetcher, 32, 30_000));
        }
        assertThat(resumed).hasSize(32);
        for (int i = 0; i < 31; i++) {
            // Replayed events get the very versions they had.
            assertThat(resumed.get(i).record()).isEqualTo(first.get(30 + i).record());
        }
        assertThat(resumed.get(31).record().values()[0]).isEqualTo("after restart");
    }

    @Test
    void aDroppedCollectionEndsTheStreamWithTheReason() throws Exception {
        BsonTimestamp startAt = setupClusterTime();
        items.drop();
        try (var client = connections.open("test");
                var fetcher = fetcher(client, MongoChangeStreamSplit.startingAt("items", startAt.getValue()))) {
            assertThatThrownBy(() -> MongoSplitReaders.drain(fetcher, 10, 30_000))
                    .isInstanceOf(SuppressRestartsException.class).cause()
                    .hasMessageStartingWith("collection app.items was dropped;");
        }
    }

    @Test
    void setupRefusesAStandaloneServerAndMissingCollections() {
        try (var client = connections.open("test")) {
            MongoSourceCheck.Result r = MongoSourceCheck.run(client, connections, List.of("items", "nope"), true);
            assertThat(r.clusterTime()).isNotNull();
            assertThat(r.problems()).containsExactly("collection app.nope does not exist");
        }
        try (MongoTestServer standalone = MongoTestServer.standalone()) {
            MongoConnections plain = new MongoConnections("test", PipeSpecParser.parse("name: t\n" + standalone.sourceYaml("app")
                    + "destination: {url: 'http://h:8123', database: d}\ntables: [items]\n", Map.of()).source());
            try (var client = plain.open("test")) {
                assertThat(MongoSourceCheck.run(client, plain, List.of("items"), true).problems()).singleElement()
                        .asString().startsWith("mongodb " + standalone.uri().substring(10, standalone.uri().length() - 1)
                                + "/app is a standalone server: Ferry needs a replica set or a sharded cluster");
            }
        }
    }

    private BsonTimestamp setupClusterTime() {
        try (var client = connections.open("setup")) {
            MongoSourceCheck.Result r = MongoSourceCheck.run(client, connections, List.of("items"), true);
            assertThat(r.problems()).isEmpty();
            return r.clusterTime();
        }
    }

    private MongoChangeStreamFetcher fetcher(com.mongodb.client.MongoClient client, MongoChangeStreamSplit split) {
        MongoChangeStreamFetcher fetcher = new MongoChangeStreamFetcher(client, "app", Map.of());
        fetcher.handleSplitsChanges(new SplitsAddition<>(List.of(split)));
        return fetcher;
    }

    /** Events that write a row (the fake sends no token-only moves, but a real server would). */
    private static List<MongoChangeEvent> rows(List<MongoChangeEvent> events) {
        List<MongoChangeEvent> out = new ArrayList<>();
        for (MongoChangeEvent e : events) {
            if (e.record() != null) {
                out.add(e);
            }
        }
        return out;
    }
}
