package dev.ferry.operators.mongo;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.ServerVersion;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.bson.BsonTimestamp;
import de.bwaldvogel.mongo.bson.Document;
import io.netty.channel.Channel;
import java.time.Instant;
import java.util.List;

/**
 * mongo-java-server (an in-process MongoDB wire-protocol server over memory, with an oplog and
 * collection change streams) for tests, as there is no mongod here. It reports itself a standalone
 * server and sends no cluster times, which Ferry refuses (change streams need a replica set); so by
 * default it runs behind a thin shim that answers as the primary of a one-member replica set
 * {@code rs0} does: {@code isMaster} names the set, its host and session support, and {@code ping}
 * carries {@code operationTime}, the timestamp of the last oplog entry. Everything else is the fake's
 * own behaviour (see the README for what it does not do faithfully).
 */
public final class MongoTestServer implements AutoCloseable {
    private final MongoServer server;
    private final String address;
    private final boolean replicaSet;
    private final MongoClient client;

    private MongoTestServer(boolean replicaSet, boolean oplog) {
        ReplicaSetShim backend = new ReplicaSetShim(replicaSet);
        backend.version(ServerVersion.MONGO_5_0);
        server = new MongoServer(backend);
        address = "127.0.0.1:" + server.bind().getPort();
        backend.address = address;
        if (oplog) {
            server.enableOplog();
        }
        this.replicaSet = replicaSet;
        client = MongoClients.create(uri());
    }

    /** The fake as a one-member replica set. */
    public static MongoTestServer replicaSet() {
        return new MongoTestServer(true, true);
    }

    /**
     * The replica set without an oplog, hence without change streams: for loads of millions of
     * documents, as the fake's oplog holds a copy of every insert and each change stream poll scans it.
     */
    public static MongoTestServer replicaSetWithoutChangeStreams() {
        return new MongoTestServer(true, false);
    }

    /** The fake as it is: a standalone server. */
    public static MongoTestServer standalone() {
        return new MongoTestServer(false, true);
    }

    public String uri() {
        return "mongodb://" + address + (replicaSet ? "/?replicaSet=rs0" : "/");
    }

    /** The source: section of a pipe spec for {@code database}. */
    public String sourceYaml(String database) {
        return "source: {type: mongodb, uri: '" + uri() + "', database: " + database + "}\n";
    }

    /** A client of the test's own, to fill and change collections. */
    public MongoClient client() {
        return client;
    }

    @Override
    public void close() {
        client.close();
        server.shutdownNow();
    }

    private static final class ReplicaSetShim extends MemoryBackend {
        private static final int SAMPLE_ATTEMPTS = 20;
        private final boolean replicaSet;
        private volatile String address;

        ReplicaSetShim(boolean replicaSet) {
            this.replicaSet = replicaSet;
        }

        @Override
        public Document handleCommand(Channel channel, String database, String command, Document query) {
            Document response = command.equalsIgnoreCase("aggregate") ? aggregate(channel, database, query)
                    : super.handleCommand(channel, database, command, query);
            if (!replicaSet) {
                return response;
            }
            if (command.equalsIgnoreCase("ismaster") || command.equalsIgnoreCase("hello")) {
                response.put("isWritablePrimary", Boolean.TRUE);
                response.put("secondary", Boolean.FALSE);
                response.put("setName", "rs0");
                response.put("setVersion", 1);
                response.put("hosts", List.of(address));
                response.put("primary", address);
                response.put("me", address);
                response.put("logicalSessionTimeoutMinutes", 30);
            } else if (command.equalsIgnoreCase("ping")) {
                response.put("operationTime", lastOplogTimestamp());
            }
            return response;
        }

        /**
         * The fake's {@code $sample} sorts by a comparator drawing a new random number on every
         * comparison, which Java's sort now and then refuses ("Comparison method violates its general
         * contract"); a real server samples without it. Asked again, the fake draws again.
         */
        private Document aggregate(Channel channel, String database, Document query) {
            for (int attempt = 1; ; attempt++) {
                try {
                    return super.handleCommand(channel, database, "aggregate", query);
                } catch (IllegalArgumentException e) {
                    if (attempt == SAMPLE_ATTEMPTS || !String.valueOf(e.getMessage()).contains("general contract")) {
                        throw e;
                    }
                }
            }
        }

        private BsonTimestamp lastOplogTimestamp() {
            MongoCollection<?> oplog = resolveDatabase("local").resolveCollection("oplog.rs", false);
            return oplog == null ? new BsonTimestamp(Instant.now(), 0) : oplog.queryAllAsStream()
                    .map(d -> (BsonTimestamp) d.get("ts"))
                    .max(BsonTimestamp::compareTo)
                    .orElse(new BsonTimestamp(Instant.now(), 0));
        }
    }
}
