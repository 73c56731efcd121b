package dev.ferry.operators.postgres.setup;

import dev.ferry.operators.PipeSetupException;
import dev.ferry.operators.postgres.PostgresConnections;
import dev.ferry.operators.postgres.setup.PostgresCatalog.SourceTable;
import dev.ferry.operators.postgres.setup.SlotManager.SlotInfo;
import dev.ferry.state.spec.PipeSpec;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.postgresql.replication.LogSequenceNumber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The source side of Setup for a pipe that follows changes: first everything that would stop the
 * change stream, reported at once before anything is created; then the publication made to list
 * exactly the pipe's tables, and the slot where no initial load creates it.
 */
public final class PostgresReplicationSetup {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresReplicationSetup.class);

    private PostgresReplicationSetup() {}

    /** Fails with every problem at once: server settings, tables Postgres would refuse to publish, the slot. */
    public static void check(PipeSpec spec, List<SourceTable> tables) {
        PostgresConnections source = new PostgresConnections(spec.name(), spec.source());
        List<String> problems = new ArrayList<>();
        try (Connection conn = source.openChecked("setup")) {
            problems.addAll(SlotManager.replicationProblems(conn, source.describe()));
            for (SourceTable t : tables) {
                if (t.replicaIdentity() == 'n') {
                    problems.add(t.spec().sourceId() + " has REPLICA IDENTITY NOTHING: in a publication, Postgres"
                            + " would refuse its UPDATE and DELETE statements; run ALTER TABLE " + t.qualifiedName()
                            + " REPLICA IDENTITY DEFAULT");
                }
            }
            Optional<SlotInfo> slot = SlotManager.slot(conn, spec.replicationSlotName());
            if (slot.isPresent()) {
                SlotInfo s = slot.get();
                if (!"pgoutput".equals(s.plugin()) || !source.database().equals(s.database())) {
                    problems.add("replication slot " + s.name() + " exists for " + s.plugin() + " on database "
                            + s.database() + "; choose another replication_slot_name");
                } else if (s.lost()) {
                    problems.add("replication slot " + s.name() + " was invalidated (wal_status lost); drop it and"
                            + " start the pipe again to reload");
                } else if (s.active()) {
                    problems.add("replication slot " + s.name() + " is in use by another consumer (pid "
                            + s.activePid() + ", " + s.activeClient() + "); a slot serves one pipe");
                }
            }
        } catch (SQLException e) {
            throw new PipeSetupException("checking replication on " + source.describe() + " failed: "
                    + PipeSetupException.firstLine(e), e);
        }
        if (!problems.isEmpty()) {
            throw new PipeSetupException(String.join("; ", problems));
        }
    }

    /**
     * Makes the publication list exactly {@code tables}; creates the slot if {@code createSlot} and it
     * is missing (an initial load's first export creates it with its snapshot; without a load, setup does).
     */
    public static void prepare(PipeSpec spec, List<SourceTable> tables, boolean createSlot) {
        PostgresConnections source = new PostgresConnections(spec.name(), spec.source());
        try (Connection conn = source.openChecked("setup")) {
            SlotManager.ensurePublication(conn, spec.publicationName(), tables.stream().map(SourceTable::spec).toList());
            if (createSlot && SlotManager.slot(conn, spec.replicationSlotName()).isEmpty()) {
                long lsn = SlotManager.createSlot(conn, spec.replicationSlotName());
                LOG.info("created replication slot {} at {}", spec.replicationSlotName(), LogSequenceNumber.valueOf(lsn));
            }
        } catch (SQLException e) {
            throw new PipeSetupException("preparing replication on " + source.describe() + " failed: "
                    + PipeSetupException.firstLine(e), e);
        }
    }
}
