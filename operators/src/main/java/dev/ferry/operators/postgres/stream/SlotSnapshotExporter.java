package dev.ferry.operators.postgres.stream;

import dev.ferry.operators.postgres.ExportedSnapshot;
import dev.ferry.operators.postgres.PostgresConnections;
import dev.ferry.operators.postgres.SnapshotExporter;
import dev.ferry.operators.postgres.TransactionSnapshotExporter;
import dev.ferry.operators.postgres.setup.SlotManager;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * The initial load of a CDC pipe: its first export creates the pipe's slot with
 * {@code EXPORT_SNAPSHOT}, so snapshot rows carry the slot's consistent point. If the slot already
 * exists (a restart lost the first export), the rest is read under a fresh snapshot: it is newer than
 * the slot's consistent point, and every streamed change still beats every snapshot row. A slot
 * missing at a later export was dropped: a new one would skip every change since the old one.
 */
public final class SlotSnapshotExporter implements SnapshotExporter {
    private static final long serialVersionUID = 1L;

    private final String slotName;

    public SlotSnapshotExporter(String slotName) {
        this.slotName = slotName;
    }

    @Override
    public boolean changesFollow() {
        return true;
    }

    @Override
    public ExportedSnapshot export(PostgresConnections connections, boolean firstExport) throws SQLException {
        boolean exists;
        try (Connection conn = connections.open("slot-check")) {
            exists = SlotManager.slot(conn, slotName).isPresent();
        }
        if (exists) {
            return new TransactionSnapshotExporter().export(connections, firstExport);
        }
        if (!firstExport) {
            throw SlotGuardedEnumerator.dropped(slotName);
        }
        return SlotManager.createSlotExportingSnapshot(connections, slotName);
    }
}
