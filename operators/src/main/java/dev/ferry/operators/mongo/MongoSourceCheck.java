package dev.ferry.operators.mongo;

import com.mongodb.ClientSessionOptions;
import com.mongodb.MongoException;
import com.mongodb.client.ClientSession;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoDatabase;
import com.mongodb.connection.ClusterType;
import dev.ferry.operators.PipeSetupException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonTimestamp;
import org.bson.Document;

/**
 * What Setup checks on a MongoDB source before anything is created: the server answers and accepts
 * the credentials, it is a replica set or a sharded cluster (change streams and cluster times need
 * one), each collection exists, is a plain collection and can be read, and, for pipes that follow
 * changes, a change stream opens on it. Also reads the cluster time a new run starts at.
 */
public final class MongoSourceCheck {
    private static final BsonDocument PING = new BsonDocument("ping", new BsonInt32(1));

    /** The cluster time now, and every problem found (one line each, none holding credentials). */
    public record Result(BsonTimestamp clusterTime, List<String> problems) {}

    private MongoSourceCheck() {}

    /** Throws a one-line {@link PipeSetupException} when the server cannot be reached or refuses the login. */
    public static Result run(MongoClient client, MongoConnections source, List<String> collections, boolean followsChanges) {
        MongoDatabase database = client.getDatabase(source.database());
        try {
            database.runCommand(PING);
        } catch (MongoException e) {
            throw new PipeSetupException("cannot reach " + source.describe() + ": " + PipeSetupException.firstLine(e), e);
        }
        ClusterType type = client.getClusterDescription().getType();
        if (type != ClusterType.REPLICA_SET && type != ClusterType.SHARDED) {
            return new Result(null, List.of(source.describe() + " is a " + type.name().toLowerCase(java.util.Locale.ROOT)
                    + " server: Ferry needs a replica set or a sharded cluster (mongos) for change streams and cluster"
                    + " times; a single-node replica set will do (mongod --replSet rs0, then rs.initiate())"));
        }
        BsonTimestamp now;
        try (ClientSession session = client.startSession(ClientSessionOptions.builder().causallyConsistent(true).build())) {
            database.runCommand(session, PING);
            now = session.getOperationTime();
        }
        List<String> problems = new ArrayList<>();
        if (now == null) {
            problems.add(source.describe() + " reports no cluster time (operationTime); Ferry needs MongoDB 4.0 or later");
        }
        Map<String, String> types = new HashMap<>();
        for (Document c : database.listCollections()) {
            types.put(c.getString("name"), c.getString("type"));
        }
        for (String name : collections) {
            String qualified = source.database() + "." + name;
            String kind = types.get(name);
            if (kind == null) {
                problems.add("collection " + qualified + " does not exist");
            } else if (!kind.equals("collection")) {
                problems.add(qualified + " is a " + kind + ", not a collection: change streams cannot follow it");
            } else {
                try {
                    database.getCollection(name).find().limit(1).first();
                    if (followsChanges && now != null) {
                        database.getCollection(name).watch().startAtOperationTime(now).cursor().close();
                    }
                } catch (MongoException e) {
                    problems.add("cannot " + (followsChanges ? "read or follow " : "read ") + qualified + ": "
                            + PipeSetupException.firstLine(e));
                }
            }
        }
        return new Result(now, problems);
    }
}
