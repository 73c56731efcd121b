package dev.ferry.jobs.postgres;

import dev.ferry.jobs.PipeSource;
import dev.ferry.operators.PipeSetupException;
import dev.ferry.operators.postgres.PostgresConnections;
import dev.ferry.operators.postgres.setup.PostgresCatalog.SourceTable;
import dev.ferry.operators.postgres.setup.SlotManager.SlotInfo;
import dev.ferry.operators.postgres.setup.SlotManager;
import dev.ferry.state.lifecycle.PipeRun;
import dev.ferry.state.schema.TableSchema;
import dev.ferry.state.spec.PipeSettings.ReplicationMode;
import dev.ferry.state.spec.PipeSettings;
import dev.ferry.state.spec.PipeSpec;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** A Postgres pipe: CTID-range initial load, WAL through the pipe's slot and publication. */
public final class PostgresPipeSource implements PipeSource {
    /** How long a cancelled job's walsender may keep the slot busy before delete gives up. */
    private static final Duration SLOT_RELEASE_TIMEOUT = Duration.ofMinutes(2);

    @Override
    public List<TableSchema> prepare(PipeSpec spec, boolean newPipe) {
        return PostgresPipeSetup.prepare(spec, newPipe).stream().map(SourceTable::schema).toList();
    }

    @Override
    public List<TableSchema> checkTables(PipeSpec spec) {
        return PostgresPipeSetup.readSourceTables(spec).stream().map(SourceTable::schema).toList();
    }

    @Override
    public int build(StreamExecutionEnvironment env, PipeSpec spec, PipeRun run, boolean setUp) {
        List<SourceTable> tables = setUp ? PostgresPipeSetup.prepare(spec, true) : PostgresPipeSetup.readSourceTables(spec);
        return PostgresPipeJob.build(env, spec, tables, run);
    }

    /** A Failed or Completed CDC pipe resyncs on its slot; a slot that is gone means every table reloads. */
    @Override
    public void beforeResync(PipeSpec spec, boolean oneTable) {
        if (spec.setting(PipeSettings.REPLICATION_MODE) == ReplicationMode.SNAPSHOT) {
            return;
        }
        PostgresConnections source = new PostgresConnections(spec.name(), spec.source());
        try (Connection conn = source.openChecked("control")) {
            Optional<SlotInfo> slot = SlotManager.slot(conn, spec.replicationSlotName());
            boolean usable = slot.isPresent() && !slot.get().lost();
            if (!usable && oneTable) {
                throw new PipeSetupException("replication slot " + spec.replicationSlotName() + " is "
                        + (slot.isEmpty() ? "gone" : "invalidated") + ": changes to every table are lost, resync the whole"
                        + " pipe (ferry resync " + spec.name() + ")");
            }
            if (slot.isPresent() && slot.get().lost()) {
                SlotManager.drop(conn, spec.replicationSlotName(), "");
            }
        } catch (SQLException failure) {
            throw new PipeSetupException("checking the slot on " + source.describe() + " failed: "
                    + PipeSetupException.firstLine(failure), failure);
        }
    }

    @Override
    public void release(PipeSpec spec) throws InterruptedException {
        if (spec.setting(PipeSettings.REPLICATION_MODE) == ReplicationMode.SNAPSHOT) {
            return;
        }
        PostgresConnections source = new PostgresConnections(spec.name(), spec.source());
        long deadline = System.currentTimeMillis() + SLOT_RELEASE_TIMEOUT.toMillis();
        while (true) {
            try (Connection conn = source.openChecked("control")) {
                SlotManager.drop(conn, spec.replicationSlotName(), spec.publicationName());
                return;
            } catch (SQLException | PipeSetupException busy) {
                if (System.currentTimeMillis() > deadline) {
                    throw new PipeSetupException("cannot drop replication slot " + spec.replicationSlotName() + ": "
                            + PipeSetupException.firstLine(busy));
                }
                Thread.sleep(500); // the cancelled job's walsender lets go of the slot shortly
            }
        }
    }

    /** The slot's position against the source's WAL; empty for snapshot pipes or when the source cannot be read. */
    @Override
    public Optional<Replication> replication(PipeSpec spec) {
        if (spec.setting(PipeSettings.REPLICATION_MODE) == ReplicationMode.SNAPSHOT) {
            return Optional.empty();
        }
        PostgresConnections source = new PostgresConnections(spec.name(), spec.source());
        try (Connection conn = source.open("status")) {
            long now = SlotManager.currentLsn(conn);
            return SlotManager.slot(conn, spec.replicationSlotName()).map((SlotInfo s) -> {
                long lagBytes = Math.max(0, now - s.confirmedFlushLsn());
                // Caught up: Postgres clears its lag figures a little later, but there is nothing to wait for.
                Double lagSeconds = lagBytes == 0 ? Double.valueOf(0) : s.flushLagSeconds();
                return new Replication(s.name(), s.active(), now, s.confirmedFlushLsn(), lagBytes, lagSeconds,
                        s.retainedBytes(), s.walStatus());
            });
        } catch (Exception e) {
            return Optional.empty();
        }
    }
}
