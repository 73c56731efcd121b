package dev.ferry.operators.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.MongoClientSettings;
import com.mongodb.client.model.changestream.ChangeStreamDocument;
import dev.ferry.state.record.ChangeRecord;
import dev.ferry.state.record.ChangeRecord.Kind;
import dev.ferry.state.spec.DestinationTable;
import dev.ferry.state.spec.TableSpec;
import java.util.List;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.bson.BsonDocument;
import org.bson.BsonDocumentReader;
import org.bson.RawBsonDocument;
import org.bson.codecs.DecoderContext;
import org.junit.jupiter.api.Test;

/**
 * Change events shaped exactly as MongoDB's documentation shows them (Change Events reference,
 * MongoDB 7.0), decoded by the driver's own codec as the change stream decodes them. mongo-java-server
 * gets update and replace events wrong, so their mapping is verified here.
 */
class MongoChangeEventMapperTest {
    private static final String TOKEN =
            "{_data: '8262A37E4F000000012B022C0100296E5A10046BBC1C7E5E2B4AE6A6C5F6BBF2B6B53A46645F6964006462A37E2AE4B8A2C7C5958E6A0004'}";
    private static final String HEAD = "_id: " + TOKEN + ", clusterTime: {$timestamp: {t: 1654878543, i: 1}}, wallTime: {$date: '2022-06-10T16:29:03.704Z'},"
            + " ns: {db: 'test', coll: 'names'}";
    private static final long VERSION = MongoVersions.change(new org.bson.BsonTimestamp(1654878543, 1), 0);

    private final MongoChangeEventMapper mapper = new MongoChangeEventMapper("test", new TableSpec(null, "names", "names"));

    @Test
    void insertWritesTheNewDocument() {
        ChangeRecord r = map("""
                {%s, operationType: 'insert', collectionUUID: {$binary: {base64: 'a7wcfl4rSuamxfa78rZrUw==', subType: '04'}},
                 fullDocument: {_id: {$oid: '62a37e2ae4b8a2c7c5958e6a'}, name: 'Alice', userId: 123,
                                joined: {$date: '2022-06-10T16:29:03.704Z'}},
                 documentKey: {_id: {$oid: '62a37e2ae4b8a2c7c5958e6a'}}}""");
        assertThat(r.kind()).isEqualTo(Kind.INSERT);
        assertThat(r.table()).isEqualTo("names");
        assertThat(r.version()).isEqualTo(VERSION);
        assertThat(r.sourceMillis()).isEqualTo(java.time.Instant.parse("2022-06-10T16:29:03.704Z").toEpochMilli());
        assertThat(r.values()).containsExactly("62a37e2ae4b8a2c7c5958e6a", "{\"_id\": {\"$oid\": \"62a37e2ae4b8a2c7c5958e6a\"},"
                + " \"name\": \"Alice\", \"userId\": 123, \"joined\": {\"$date\": \"2022-06-10T16:29:03.704Z\"}}");
    }

    /** With fullDocument: updateLookup the update carries the document as it is now; updateDescription is not needed. */
    @Test
    void updateWritesTheLookedUpDocument() {
        ChangeRecord r = map("""
                {%s, operationType: 'update', documentKey: {_id: {$oid: '62a37e2ae4b8a2c7c5958e6a'}},
                 updateDescription: {updatedFields: {name: 'Sally', 'address.city': 'Oslo'}, removedFields: ['phone'],
                                     truncatedArrays: [{field: 'tags', newSize: 1}], disambiguatedPaths: {}},
                 fullDocument: {_id: {$oid: '62a37e2ae4b8a2c7c5958e6a'}, name: 'Sally', address: {city: 'Oslo'},
                                tags: ['a']}}""");
        assertThat(r.kind()).isEqualTo(Kind.UPDATE);
        assertThat(r.values()).containsExactly("62a37e2ae4b8a2c7c5958e6a", "{\"_id\": {\"$oid\": \"62a37e2ae4b8a2c7c5958e6a\"},"
                + " \"name\": \"Sally\", \"address\": {\"city\": \"Oslo\"}, \"tags\": [\"a\"]}");
    }

    @Test
    void excludedFieldsLeaveInsertsUpdatesAndReplacements() {
        MongoChangeEventMapper excluding = new MongoChangeEventMapper("test", new TableSpec(null, "names", "names", List.of("ssn", "address"), DestinationTable.DEFAULT));
        for (String type : List.of("insert", "update", "replace")) {
            ChangeRecord r = excluding.map(event("""
                    {%s, operationType: '%s', documentKey: {_id: 5},
                     updateDescription: {updatedFields: {ssn: '1', 'address.city': 'Oslo'}, removedFields: []},
                     fullDocument: {_id: 5, name: 'Sally', ssn: '123-45', address: {city: 'Oslo'}, note: {ssn: 1}}}"""
                    .formatted(HEAD, type)), VERSION);
            assertThat(r.values()).containsExactly("5", "{\"_id\": 5, \"name\": \"Sally\", \"note\": {\"ssn\": 1}}");
        }
    }

    /** The document was deleted before the update event was read: the lookup finds nothing, and the delete follows. */
    @Test
    void updateOfADocumentDeletedSinceWritesNothing() {
        assertThat(map("""
                {%s, operationType: 'update', documentKey: {_id: {$oid: '62a37e2ae4b8a2c7c5958e6a'}},
                 updateDescription: {updatedFields: {name: 'Sally'}, removedFields: [], truncatedArrays: []},
                 fullDocument: null}""")).isNull();
        // Servers leave the field out as well as sending null.
        assertThat(map("""
                {%s, operationType: 'update', documentKey: {_id: 5},
                 updateDescription: {updatedFields: {n: 1}, removedFields: [], truncatedArrays: []}}""")).isNull();
    }

    @Test
    void replaceWritesTheReplacement() {
        ChangeRecord r = map("""
                {%s, operationType: 'replace', documentKey: {_id: {$oid: '62a37e2ae4b8a2c7c5958e6a'}},
                 fullDocument: {_id: {$oid: '62a37e2ae4b8a2c7c5958e6a'}, firstName: 'Alice', lastName: 'Smith'}}""");
        assertThat(r.kind()).isEqualTo(Kind.UPDATE);
        assertThat(r.values()[1]).isEqualTo("{\"_id\": {\"$oid\": \"62a37e2ae4b8a2c7c5958e6a\"}, \"firstName\": \"Alice\","
                + " \"lastName\": \"Smith\"}");
    }

    /** A delete has only the key (with the shard key on a sharded collection): the row becomes a tombstone. */
    @Test
    void deleteWritesATombstoneByKey() {
        ChangeRecord r = map("""
                {%s, operationType: 'delete', documentKey: {region: 'eu', _id: {$numberLong: '17'}}}""");
        assertThat(r.kind()).isEqualTo(Kind.DELETE);
        assertThat(r.isDelete()).isTrue();
        assertThat(r.values()).containsExactly("17", null);
    }

    /** With {@code deletes: ignore} a delete writes nothing; other events map as ever. */
    @Test
    void ignoredDeletesWriteNothing() {
        MongoChangeEventMapper keeping = new MongoChangeEventMapper("test", new TableSpec(null, "names", "names",
                List.of(), new DestinationTable(List.of(), List.of(), null, null, DestinationTable.Deletes.IGNORE, java.util.Map.of(), null, null, null, false)));
        assertThat(keeping.map(event("""
                {%s, operationType: 'delete', documentKey: {_id: 17}}""".formatted(HEAD)), VERSION)).isNull();
        assertThat(keeping.map(event("""
                {%s, operationType: 'insert', documentKey: {_id: 17}, fullDocument: {_id: 17}}""".formatted(HEAD)), VERSION)
                .kind()).isEqualTo(Kind.INSERT);
    }

    /** Events of one transaction carry lsid and txnNumber and share a cluster time; each maps on its own. */
    @Test
    void transactionEventsMapLikeOthers() {
        ChangeRecord r = map("""
                {%s, operationType: 'insert', lsid: {id: {$binary: {base64: 'a7wcfl4rSuamxfa78rZrUw==', subType: '04'}},
                 uid: {$binary: {base64: '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=', subType: '00'}}},
                 txnNumber: {$numberLong: '1'}, fullDocument: {_id: 'a', n: 1}, documentKey: {_id: 'a'}}""");
        assertThat(r.values()).containsExactly("a", "{\"_id\": \"a\", \"n\": 1}");
    }

    /** Waiting cannot bring such a stream back: the job fails without restarts, with the reason as the cause. */
    @Test
    void droppedRenamedOrInvalidatedCollectionsFailThePipe() {
        assertThatThrownBy(() -> map("{%s, operationType: 'drop'}"))
                .isInstanceOf(SuppressRestartsException.class).cause()
                .hasMessage("collection test.names was dropped; its changes can no longer be followed: resync the pipe,"
                        + " or remove the collection from it");
        assertThatThrownBy(() -> map("{%s, operationType: 'rename', to: {db: 'test', coll: 'people'}}"))
                .isInstanceOf(SuppressRestartsException.class).cause()
                .hasMessageStartingWith("collection test.names was renamed to test.people;");
        assertThatThrownBy(() -> map("{%s, operationType: 'dropDatabase'}"))
                .isInstanceOf(SuppressRestartsException.class).cause()
                .hasMessageStartingWith("collection test.names is gone: database test was dropped;");
        assertThatThrownBy(() -> map("{_id: " + TOKEN + ", operationType: 'invalidate',"
                + " clusterTime: {$timestamp: {t: 1654878543, i: 2}}, wallTime: {$date: '2022-06-10T16:29:03.704Z'}}"))
                .isInstanceOf(SuppressRestartsException.class).cause()
                .hasMessageContaining("can no longer be followed");
    }

    /** Expanded events (DDL) write nothing. */
    @Test
    void otherEventsWriteNothing() {
        assertThat(map("""
                {%s, operationType: 'createIndexes', operationDescription: {indexes: [{v: 2, key: {name: 1}, name: 'name_1'}]}}""")).isNull();
    }

    /** An event without wallTime (servers before 6.0) takes its time from the cluster time. */
    @Test
    void sourceTimeFallsBackToClusterTime() {
        ChangeRecord r = map("{_id: {_data: '82'}, operationType: 'delete', clusterTime: {$timestamp: {t: 1654878543, i: 1}},"
                + " ns: {db: 'test', coll: 'names'}, documentKey: {_id: 1}}");
        assertThat(r.sourceMillis()).isEqualTo(1654878543000L);
    }

    private ChangeRecord map(String eventJson) {
        return mapper.map(event(eventJson.contains("%s") ? eventJson.formatted(HEAD) : eventJson), VERSION);
    }

    private static ChangeStreamDocument<RawBsonDocument> event(String json) {
        return ChangeStreamDocument.createCodec(RawBsonDocument.class, MongoClientSettings.getDefaultCodecRegistry())
                .decode(new BsonDocumentReader(BsonDocument.parse(json)), DecoderContext.builder().build());
    }
}
