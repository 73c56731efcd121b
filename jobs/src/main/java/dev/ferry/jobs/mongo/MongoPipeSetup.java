package dev.ferry.jobs.mongo;

import com.clickhouse.client.api.Client;
import com.mongodb.client.MongoClient;
import dev.ferry.operators.PipeSetupException;
import dev.ferry.operators.clickhouse.ClickHouseConnections;
import dev.ferry.operators.clickhouse.ClickHouseDestinationSetup;
import dev.ferry.operators.clickhouse.ClickHouseExistingTable;
import dev.ferry.operators.clickhouse.ClickHouseTypes;
import dev.ferry.operators.mongo.MongoConnections;
import dev.ferry.operators.mongo.MongoDocumentMapper;
import dev.ferry.operators.mongo.MongoSourceCheck;
import dev.ferry.state.schema.TableSchema;
import dev.ferry.state.spec.DestinationOptions;
import dev.ferry.state.spec.DestinationOptions.DocColumnType;
import dev.ferry.state.spec.PipeSettings;
import dev.ferry.state.spec.PipeSettings.ReplicationMode;
import dev.ferry.state.spec.PipeSpec;
import dev.ferry.state.spec.SourceKind;
import dev.ferry.state.spec.TableSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Provisioning and Setup of a MongoDB pipe, before its job starts. Everything is checked first (the
 * source is a replica set or mongos, every collection exists and can be read and followed, the
 * destination answers and can hold the chosen {@code doc} type), and only then are destination tables
 * created, so a bad spec leaves nothing half-made behind. The cluster time read at the start is where
 * new change streams begin: before any document of this run's initial load is read.
 */
public final class MongoPipeSetup {
    private static final Logger LOG = LoggerFactory.getLogger(MongoPipeSetup.class);

    private MongoPipeSetup() {}

    /** Provisioning and Setup of a new pipe: records both in the status tables and runs {@link #prepare}. */
    public static MongoPipeStart run(PipeSpec spec) {
        return prepare(spec, true);
    }

    /**
     * Checks source and destination and creates the destination tables that are missing. Safe to
     * repeat: a pipe resumed, modified or resynced is prepared again.
     */
    public static MongoPipeStart prepare(PipeSpec spec, boolean newPipe) {
        MongoSourceCheck.Result checked = checkSource(spec);
        ClickHouseConnections destination = new ClickHouseConnections(spec.destination());
        try (Client client = destination.openChecked()) {
            List<TableSchema> schemas = schemas(client, destination.database(), spec);
            ClickHouseDestinationSetup.prepare(client, spec, schemas, newPipe);
            LOG.info("pipe {}: change streams of new collections start at cluster time {}", spec.name(),
                    checked.clusterTime());
            return new MongoPipeStart(schemas, checked.clusterTime().getValue());
        }
    }

    /**
     * Checks the source (a replica set or mongos; every collection there, readable and, unless the pipe
     * is snapshot-only, followable), every problem in one message; reads the cluster time.
     */
    public static MongoSourceCheck.Result checkSource(PipeSpec spec) {
        if (spec.sourceKind() != SourceKind.MONGODB) {
            throw new PipeSetupException("pipe " + spec.name() + " reads from " + spec.sourceKind() + ", not mongodb");
        }
        MongoConnections source = new MongoConnections(spec.name(), spec.source());
        try {
            source.connectionString();
        } catch (IllegalArgumentException e) {
            throw new PipeSetupException("source.uri is not a MongoDB connection string: " + PipeSetupException.firstLine(e), e);
        }
        List<String> collections = spec.tables().stream().map(TableSpec::sourceId).toList();
        boolean followsChanges = spec.setting(PipeSettings.REPLICATION_MODE) != ReplicationMode.SNAPSHOT;
        MongoSourceCheck.Result checked;
        try (MongoClient client = source.open("setup")) {
            checked = MongoSourceCheck.run(client, source, collections, followsChanges);
        }
        if (!checked.problems().isEmpty()) {
            throw new PipeSetupException(String.join("; ", checked.problems()));
        }
        return checked;
    }

    /**
     * Each collection's table, its {@code doc} column a JSON object or text: as an existing table has
     * it, else as {@code doc_column_type} says ({@code auto}: JSON where the server can take it).
     */
    private static List<TableSchema> schemas(Client client, String database, PipeSpec spec) {
        DocColumnType wanted = spec.destination().get(DestinationOptions.DOC_COLUMN_TYPE);
        List<TableSchema> schemas = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        Boolean jsonSupported = null;
        for (TableSpec t : spec.tables()) {
            Optional<String> existing = ClickHouseExistingTable.columnType(client, database, t.target(),
                    MongoDocumentMapper.DOC);
            boolean asJson;
            if (existing.isPresent()) {
                String type = existing.get();
                asJson = type.startsWith("JSON");
                if (!asJson && !type.equals("String")) {
                    problems.add("table " + database + "." + t.target() + " exists with doc of type " + type
                            + " (Ferry writes JSON or String): drop it or choose another target");
                }
            } else if (wanted == DocColumnType.STRING) {
                asJson = false;
            } else {
                jsonSupported = jsonSupported != null ? jsonSupported : ClickHouseTypes.supportsJsonObjects(client);
                asJson = jsonSupported;
                if (!asJson && wanted == DocColumnType.JSON) {
                    problems.add("destination.doc_column_type: json, but the ClickHouse server cannot take JSON text into a"
                            + " JSON column (it needs the JSON type and the settings " + String.join(", ",
                                    ClickHouseTypes.JSON_OBJECT_SETTINGS.keySet()) + "); use string or auto");
                }
            }
            schemas.add(MongoDocumentMapper.schema(t, asJson));
        }
        if (!problems.isEmpty()) {
            throw new PipeSetupException(String.join("; ", problems));
        }
        return schemas;
    }
}
