package dev.ferry.operators.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.state.schema.ColumnSchema;
import dev.ferry.state.schema.ColumnType;
import dev.ferry.state.schema.ColumnType.Kind;
import dev.ferry.state.schema.TableSchema;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClickHouseTableDdlTest {

    @Test
    void replacingMergeTreeOrderedByKeyWithMetaColumns() {
        TableSchema t = new TableSchema("public.Orders", "orders", List.of(
                new ColumnSchema("id", ColumnType.of(Kind.INT64), false, "int8"),
                new ColumnSchema("Note`s", ColumnType.of(Kind.STRING), true, "text"),
                new ColumnSchema("tags", ColumnType.arrayOf(ColumnType.of(Kind.STRING)), true, "text[]"),
                new ColumnSchema("mood", ColumnType.of(Kind.ENUM), true, "mood"),
                new ColumnSchema("at", ColumnType.of(Kind.TIMESTAMPTZ), false, "timestamptz")), List.of("id"));
        assertThat(ClickHouseTableDdl.createTable("shop", t)).isEqualTo("""
                CREATE TABLE IF NOT EXISTS `shop`.`orders` (
                  `id` Int64,
                  `Note\\`s` Nullable(String),
                  `tags` Array(Nullable(String)),
                  `mood` LowCardinality(Nullable(String)),
                  `at` DateTime64(6, 'UTC'),
                  `_version` UInt64,
                  `_is_deleted` UInt8,
                  `_synced_at` DateTime64(9) DEFAULT now64(9)
                )
                ENGINE = ReplacingMergeTree(`_version`, `_is_deleted`)
                ORDER BY (`id`)
                SETTINGS non_replicated_deduplication_window = 1000""");
        assertThat(ClickHouseTableDdl.insertColumns(t)).containsExactly("id", "Note`s", "tags", "mood", "at", "_version",
                "_is_deleted");
    }

    @Test
    void refusesReservedColumnNames() {
        TableSchema t = new TableSchema("public.x", "x", List.of(
                new ColumnSchema("_version", ColumnType.of(Kind.INT64), false, "int8")), List.of("_version"));
        assertThatThrownBy(() -> ClickHouseTableDdl.createTable("d", t))
                .hasMessageContaining("public.x has a column named _version, which Ferry reserves");
    }

    /**
     * dropped_columns: drop removes a column the stream saw dropped, and one dropped while the pipe was
     * stopped (the schema lacks it; its comment names a position no column has); keep leaves both.
     */
    @Test
    void droppedColumnsAreDroppedOnlyWhenAsked() {
        TableSchema t = new TableSchema("public.t", "t", List.of(
                new ColumnSchema("id", ColumnType.of(Kind.INT32), false, "int4").withPosition(1),
                new ColumnSchema("gone", ColumnType.of(Kind.INT32), true, "int4").withPosition(2).asDropped(),
                new ColumnSchema("b", ColumnType.of(Kind.STRING), true, "text").withPosition(4)), List.of("id"));
        var existing = new java.util.HashMap<String, ClickHouseTableDdl.ExistingColumn>();
        existing.put("id", new ClickHouseTableDdl.ExistingColumn("Int32", 1));
        existing.put("gone", new ClickHouseTableDdl.ExistingColumn("Nullable(Int32)", 2));
        existing.put("while_stopped", new ClickHouseTableDdl.ExistingColumn("Nullable(Int32)", 3));
        existing.put("b_before_rename", new ClickHouseTableDdl.ExistingColumn("Nullable(String)", 4));
        existing.put("by_hand", new ClickHouseTableDdl.ExistingColumn("String", 0));
        var layout = ClickHouseDestinationLayout.ofDatabase("d", "Atomic");
        assertThat(ClickHouseTableDdl.reconcile(layout, t, existing, true).statements()).containsExactlyInAnyOrder(
                "ALTER TABLE `d`.`t` DROP COLUMN IF EXISTS `gone`",
                "ALTER TABLE `d`.`t` DROP COLUMN IF EXISTS `while_stopped`",
                "ALTER TABLE `d`.`t` RENAME COLUMN IF EXISTS `b_before_rename` TO `b`");
        assertThat(ClickHouseTableDdl.reconcile(layout, t, existing, false).statements()).containsExactly(
                "ALTER TABLE `d`.`t` RENAME COLUMN IF EXISTS `b_before_rename` TO `b`");
    }

    /**
     * A kept dropped column that a table made after the drop lacks (a resync copy created from the
     * source's catalog) is added to it: the rows written there still carry the column.
     */
    @Test
    void aKeptDroppedColumnIsAddedToACopyThatLacksIt() {
        TableSchema t = new TableSchema("public.t", "t_resync", List.of(
                new ColumnSchema("id", ColumnType.of(Kind.INT32), false, "int4").withPosition(1),
                new ColumnSchema("gone", ColumnType.of(Kind.INT32), true, "int4").withPosition(2).asDropped()),
                List.of("id"));
        var existing = new java.util.HashMap<String, ClickHouseTableDdl.ExistingColumn>();
        existing.put("id", new ClickHouseTableDdl.ExistingColumn("Int32", 1));
        var layout = ClickHouseDestinationLayout.ofDatabase("d", "Atomic");
        assertThat(ClickHouseTableDdl.reconcile(layout, t, existing, false).statements()).containsExactly(
                "ALTER TABLE `d`.`t_resync` ADD COLUMN IF NOT EXISTS `gone` Nullable(Int32) COMMENT 'source column 2'");
        assertThat(ClickHouseTableDdl.reconcile(layout, t, existing, true).statements()).isEmpty();
    }

    /**
     * A column kept after it was dropped at the source, which ClickHouse has as Nullable though the
     * stream last knew it NOT NULL (NOT NULL dropped, then the column, with the stream behind): later
     * rows write it as Nullable, or every value after it would be read from the wrong bytes.
     */
    @Test
    void aKeptDroppedColumnIsWrittenAsClickHouseHasIt() {
        TableSchema t = new TableSchema("public.t", "t", List.of(
                new ColumnSchema("id", ColumnType.of(Kind.INT32), false, "int4").withPosition(1),
                new ColumnSchema("gone", ColumnType.of(Kind.INT32), false, "int4").withPosition(2).asDropped()),
                List.of("id"));
        var existing = new java.util.HashMap<String, ClickHouseTableDdl.ExistingColumn>();
        existing.put("id", new ClickHouseTableDdl.ExistingColumn("Int32", 1));
        existing.put("gone", new ClickHouseTableDdl.ExistingColumn("Nullable(Int32)", 2));
        var layout = ClickHouseDestinationLayout.ofDatabase("d", "Atomic");
        assertThat(ClickHouseTableDdl.reconcile(layout, t, existing, false).nullableThere()).containsExactly("gone");
    }
}
