package dev.ferry.operators.clickhouse;

import static dev.ferry.operators.clickhouse.ClickHouseSql.qualified;
import static dev.ferry.operators.clickhouse.ClickHouseSql.quoteIdent;
import static dev.ferry.operators.clickhouse.ClickHouseSql.quoteLiteral;

import com.clickhouse.client.api.Client;
import java.util.List;
import java.util.StringJoiner;

/**
 * The view of a table's current rows ({@code current_view}): its source columns, of the rows
 * {@code FINAL WHERE _is_deleted = 0} shows, so nobody has to remember FINAL. ClickHouse fixes a
 * view's columns when the view is made (a column added later is not in it, one renamed breaks it),
 * so the view is made again whenever the table's columns may have changed: at Setup, at each start
 * of the writer and each schema change it follows, after a copy is swapped in.
 */
public final class ClickHouseCurrentView {
    private ClickHouseCurrentView() {}

    /** Makes {@code view} (if not null) again over {@code table}'s columns as they are now. */
    public static void refresh(Client client, ClickHouseDestinationLayout layout, String table, String view) {
        if (view == null) {
            return;
        }
        StringJoiner columns = new StringJoiner(", ");
        for (var r : ClickHouseConnections.queryAll(client, "SELECT name FROM system.columns WHERE database = "
                + quoteLiteral(layout.database()) + " AND table = " + quoteLiteral(table) + " ORDER BY position")) {
            if (!ClickHouseTableDdl.META_COLUMNS.contains(r.getString(1))) {
                columns.add(quoteIdent(r.getString(1)));
            }
        }
        String read = layout.distributed() ? ClickHouseDestinationLayout.distributedName(table) : table;
        ClickHouseConnections.execute(client, "CREATE OR REPLACE VIEW " + qualified(layout.database(), view)
                + layout.onCluster() + " AS SELECT " + columns + " FROM " + qualified(layout.database(), read)
                + " FINAL WHERE " + quoteIdent(ClickHouseTableDdl.IS_DELETED) + " = 0");
    }

    /** Drops {@code view}, if it is set. */
    public static List<String> drop(ClickHouseDestinationLayout layout, String view) {
        return view == null ? List.of()
                : List.of("DROP VIEW IF EXISTS " + qualified(layout.database(), view) + layout.onCluster());
    }
}
