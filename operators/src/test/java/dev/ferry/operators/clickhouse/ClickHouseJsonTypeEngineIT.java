package dev.ferry.operators.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.state.schema.ColumnSchema;
import dev.ferry.state.schema.ColumnType;
import dev.ferry.state.schema.ColumnType.Kind;
import dev.ferry.state.schema.TableSchema;
import dev.ferry.state.spec.DestinationTable;
import dev.ferry.testing.ClickHouseTestDatabase;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code json_type: auto} against the real engine: a table not made yet takes what the server can
 * hold, a table that exists keeps how it has its json columns, so deciding again changes nothing.
 */
class ClickHouseJsonTypeEngineIT {
    private static final DestinationTable AUTO = new DestinationTable(List.of(), List.of(), null, null,
            DestinationTable.Deletes.SOFT, Map.of(), DestinationTable.JsonType.AUTO, null, null, false);
    private static ClickHouseTestDatabase ch;

    @BeforeAll
    static void database() {
        ch = new ClickHouseTestDatabase("jsontype");
        ch.execute(ClickHouseTableDdl.createDatabase(ch.name()));
    }

    @AfterAll
    static void drop() {
        ch.close();
    }

    private static TableSchema table(String target) {
        return new TableSchema("public." + target, target, List.of(
                new ColumnSchema("id", ColumnType.of(Kind.INT32), false, "int4").withPosition(1),
                new ColumnSchema("doc", ColumnType.of(Kind.JSON), true, "jsonb").withPosition(2)), List.of("id"));
    }

    @Test
    void autoIsDecidedByTheServerForANewTableAndByTheTableOnceItExists() {
        boolean serverHoldsObjects = ClickHouseTypes.supportsJsonObjects(ch.client());
        DestinationTable fresh = ClickHouseTypes.decideJson(ch.client(), ch.name(), "fresh", AUTO);
        assertThat(fresh.jsonType()).isEqualTo(serverHoldsObjects ? DestinationTable.JsonType.JSON
                : DestinationTable.JsonType.STRING);
        for (String sql : ClickHouseTableDdl.createTable(ClickHouseDestinationLayout.ofDatabase(ch.name(), null),
                table("fresh"), fresh)) {
            ch.execute(sql);
        }
        assertThat(ClickHouseTypes.decideJson(ch.client(), ch.name(), "fresh", AUTO)).isEqualTo(fresh);
        assertThat(ch.query("SELECT type FROM system.columns WHERE database = '" + ch.name()
                + "' AND table = 'fresh' AND name = 'doc'").get(0).getString(1))
                .isEqualTo(serverHoldsObjects ? "Nullable(JSON)" : "Nullable(String)");

        // made as text earlier (by hand, or before the server could hold JSON): stays text
        DestinationTable text = AUTO.withJsonType(DestinationTable.JsonType.STRING);
        for (String sql : ClickHouseTableDdl.createTable(ClickHouseDestinationLayout.ofDatabase(ch.name(), null),
                table("older"), text)) {
            ch.execute(sql);
        }
        assertThat(ClickHouseTypes.decideJson(ch.client(), ch.name(), "older", AUTO)).isEqualTo(text);
        assertThat(ClickHouseTypes.decideJson(ch.client(), ch.name(), "older", text)).isSameAs(text);
    }
}
