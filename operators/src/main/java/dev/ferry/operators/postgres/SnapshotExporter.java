package dev.ferry.operators.postgres;

import java.io.Serializable;
import java.sql.SQLException;

/** Where the initial load's consistent snapshot comes from. */
public interface SnapshotExporter extends Serializable {
    /**
     * Exports a snapshot and holds it open.
     *
     * @param firstExport true for the first export of this load; false after a restart lost the
     *     previous one, when what is left is read under a fresh snapshot
     */
    ExportedSnapshot export(PostgresConnections connections, boolean firstExport) throws SQLException;

    /**
     * Whether a change stream delivers every transaction the first snapshot did not see, so a later
     * snapshot must not read those rows again (they would be duplicates in keyless tables).
     */
    default boolean changesFollow() {
        return false;
    }
}
