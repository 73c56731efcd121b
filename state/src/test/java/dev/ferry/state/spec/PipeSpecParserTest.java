package dev.ferry.state.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PipeSpecParserTest {

    private static final String VALID = """
            name: shop
            source:
              type: postgres
              host: 127.0.0.1
              port: 15432
              database: shop
              user: ferry
              password: ${PGPASS}
            destination:
              url: http://127.0.0.1:18123
              database: shop_copy
            tables:
              - public.orders
              - Inventory.Items
              - source: 'sales."Line Items"'
                target: line_items
            settings:
              replication_mode: snapshot
              initial_load_parallelism: 8
            """;

    @Test
    void parsesAValidSpecWithDefaults() {
        PipeSpec spec = PipeSpecParser.parse(VALID, Map.of("PGPASS", "s3cret"));
        assertThat(spec.name()).isEqualTo("shop");
        assertThat(spec.sourceKind()).isEqualTo(SourceKind.POSTGRES);
        assertThat(spec.source().get(SourceOptions.PORT)).isEqualTo(15432);
        assertThat(spec.source().get(SourceOptions.PASSWORD)).isEqualTo("s3cret");
        assertThat(spec.destination().get(DestinationOptions.USER)).isEqualTo("default");
        assertThat(spec.tables()).containsExactly(
                new TableSpec("public", "orders", "orders"),
                new TableSpec("inventory", "items", "inventory_items"),
                new TableSpec("sales", "Line Items", "line_items"));
        assertThat(spec.setting(PipeSettings.REPLICATION_MODE)).isEqualTo(PipeSettings.ReplicationMode.SNAPSHOT);
        assertThat(spec.setting(PipeSettings.INITIAL_LOAD_PARALLELISM)).isEqualTo(8);
        // ClickPipes' defaults
        assertThat(spec.setting(PipeSettings.SNAPSHOT_NUM_ROWS_PER_PARTITION)).isEqualTo(100_000);
        assertThat(spec.setting(PipeSettings.SNAPSHOT_NUMBER_OF_PARALLEL_TABLES)).isEqualTo(1);
        assertThat(spec.setting(PipeSettings.PULL_BATCH_SIZE)).isEqualTo(100_000);
        assertThat(spec.setting(PipeSettings.SNAPSHOT_PARTITIONING))
                .isEqualTo(PipeSettings.SnapshotPartitioning.BLOCK_RANGE);
        assertThat(spec.replicationSlotName()).isEqualTo("ferry_shop");
        assertThat(spec.toString()).doesNotContain("s3cret").contains("password=***");
    }

    @Test
    void reportsEveryProblemAtOnceWithItsField() {
        String bad = """
                name: Bad-Name
                source: {type: postgres, port: 0, database: d}
                destination: {url: localhost, database: x}
                tables: [public.a, public.a, 'x."unterminated']
                settings:
                  initial_load_parallelism: 0
                  snapshot_num_rows_per_partition: -5
                  snapshot_number_of_parallel_tables: many
                  sync_interval: 3
                extra: 1
                """;
        assertThatThrownBy(() -> PipeSpecParser.parse(bad, Map.of()))
                .isInstanceOfSatisfying(PipeSpecException.class, e -> assertThat(e.problems()).containsExactlyInAnyOrder(
                        "extra: unknown field (expected one of [destination, name, settings, source, tables])",
                        "name: must be lower case letters, digits or _, starting with a letter, at most 40 (got 'Bad-Name')",
                        "source.port: must be between 1 and 65535 (got 0)",
                        "source.host: required for postgres",
                        "source.user: required for postgres",
                        "destination.url: must be an http(s)://host:port URL (got 'localhost')",
                        "tables[1]: public.a is listed twice",
                        "tables[1]: target table a is used twice",
                        "tables[2]: unterminated quoted identifier in 'x.\"unterminated'",
                        "settings.initial_load_parallelism: must be between 1 and 64 (got 0)",
                        "settings.snapshot_num_rows_per_partition: must be between 1 and 100000000 (got -5)",
                        "settings.snapshot_number_of_parallel_tables: must be a whole number (got many)",
                        "settings.sync_interval: unknown option (known: replication_mode, snapshot_num_rows_per_partition,"
                                + " initial_load_parallelism, snapshot_number_of_parallel_tables, snapshot_partitioning,"
                                + " sync_interval_seconds, hard_delete_interval_seconds, pull_batch_size, dropped_columns, incompatible_schema_change,"
                                + " max_retry_attempts, allow_nullable_columns, publication_name,"
                                + " replication_slot_name)"))
                .hasMessageStartingWith("invalid pipe spec: ")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void missingEnvironmentVariableIsAProblemNotAnEmptyPassword() {
        assertThatThrownBy(() -> PipeSpecParser.parse(VALID, Map.of()))
                .hasMessageContaining("source.password: environment variable PGPASS is not set");
    }

    @Test
    void rejectsNonYamlAndEmptyTables() {
        assertThatThrownBy(() -> PipeSpecParser.parse("name: [", Map.of())).hasMessageContaining("not valid YAML");
        assertThatThrownBy(() -> PipeSpecParser.parse("""
                name: p
                source: {type: mongodb, uri: 'mongodb://h/?replicaSet=rs', database: app}
                destination: {url: 'http://h:8123', database: d}
                tables: []
                """, Map.of())).hasMessage("invalid pipe spec: tables: required, a non-empty list");
    }

    @Test
    void mongoCollectionsKeepTheirNames() {
        PipeSpec spec = PipeSpecParser.parse("""
                name: p
                source: {type: mongodb, uri: 'mongodb://u:pw@h/?replicaSet=rs', database: app}
                destination: {url: 'http://h:8123', database: d}
                tables: [Users, events.raw]
                """, Map.of());
        assertThat(spec.tables()).containsExactly(new TableSpec(null, "Users", "Users"),
                new TableSpec(null, "events.raw", "events_raw"));
        assertThat(spec.toString()).doesNotContain("pw");
    }

    @Test
    void splitsQuotedPostgresNames() {
        assertThat(PostgresIdentifiers.split("a.\"B.c\"\"d\"")).containsExactly("a", "B.c\"d");
        assertThat(PostgresIdentifiers.split("Public.Orders")).containsExactly("public", "orders");
        assertThatThrownBy(() -> PostgresIdentifiers.split("a..b")).hasMessageContaining("empty identifier");
        assertThatThrownBy(() -> PostgresIdentifiers.split("my table")).hasMessageContaining("quote identifiers");
    }

    @Test
    void excludedColumnsFoldLikeSqlNamesAndAreChecked() {
        String spec = """
                name: p
                source: {type: postgres, host: h, database: d, user: u}
                destination: {url: 'http://h:8123', database: d}
                tables:
                  - {source: public.users, exclude_columns: [Email, '"Phone No"']}
                  - {source: public.orders, exclude_columns: note}
                """;
        PipeSpec parsed = PipeSpecParser.parse(spec, Map.of());
        assertThat(parsed.tables()).containsExactly(
                new TableSpec("public", "users", "users", java.util.List.of("email", "Phone No"), DestinationTable.DEFAULT),
                new TableSpec("public", "orders", "orders", java.util.List.of("note"), DestinationTable.DEFAULT));
        assertThat(parsed.toString()).contains("public.users -> users without [email, Phone No]");

        assertThatThrownBy(() -> PipeSpecParser.parse(spec.replace("exclude_columns: note", "exclude_columns: [a, A, 's.t', '']")
                .replace("public.orders,", "public.orders, exclude: x,"), Map.of()))
                .hasMessageContaining("tables[1].exclude: unknown field (expected source, target, exclude_columns, order_by, primary_key, partition_by, current_view, deletes, column_types, json_type, numeric_type, decimal_out_of_range)")
                .hasMessageContaining("tables[1].exclude_columns: must be a list of names (got )")
                .hasMessageNotContaining("tables[0]");
        assertThatThrownBy(() -> PipeSpecParser.parse(spec.replace("exclude_columns: note", "exclude_columns: [a, A, 's.t']"),
                Map.of()))
                .hasMessageContaining("tables[1].exclude_columns: a is listed twice")
                .hasMessageContaining("tables[1].exclude_columns: 's.t' is not a column name");
        assertThatThrownBy(() -> PipeSpecParser.parse("""
                name: p
                source: {type: mongodb, uri: 'mongodb://h/?replicaSet=rs', database: app}
                destination: {url: 'http://h:8123', database: d}
                tables: [{source: users, exclude_columns: [ssn, _id, address.zip]}]
                """, Map.of()))
                .hasMessageContaining("_id is not a top-level field other than _id")
                .hasMessageContaining("address.zip is not a top-level field other than _id")
                .hasMessageNotContaining("ssn");
    }

    @Test
    void destinationKeysFoldLikeSqlNamesAndThePrimaryKeyIsAPrefix() {
        String spec = """
                name: p
                source: {type: postgres, host: h, database: d, user: u}
                destination: {url: 'http://h:8123', database: d}
                tables:
                  - {source: public.events, order_by: [Kind, '"Created At"', id], primary_key: [kind],
                     partition_by: 'toYYYYMM("Created At")', current_view: events_now, deletes: ignore,
                     column_types: {Amount: 'Decimal(18, 2)', '"Note"': 'LowCardinality(String)'}}
                  - public.users
                """;
        PipeSpec parsed = PipeSpecParser.parse(spec, Map.of());
        assertThat(parsed.tables().get(0).destination()).isEqualTo(new DestinationTable(
                java.util.List.of("kind", "Created At", "id"), java.util.List.of("kind"), "toYYYYMM(\"Created At\")", "events_now",
                DestinationTable.Deletes.IGNORE, Map.of("amount", "Decimal(18, 2)", "Note", "LowCardinality(String)"),
                null, null, null, false));
        DestinationTable typed = PipeSpecParser.parse(spec.replace("deletes: ignore,", "deletes: hard, json_type: auto,"
                + " numeric_type: 'Decimal(38, 10)', decimal_out_of_range: fail,"), Map.of()).tables().get(0).destination();
        assertThat(List.<Object>of(typed.deletes(), typed.jsonType(), typed.numericType(), typed.decimalOutOfRange())).containsExactly(
                DestinationTable.Deletes.HARD, DestinationTable.JsonType.AUTO, "Decimal(38, 10)",
                DestinationTable.DecimalOutOfRange.FAIL);
        assertThatThrownBy(() -> PipeSpecParser.parse(spec.replace("deletes: ignore,", "json_type: object,"
                + " numeric_type: 'Decimal(P, S)', decimal_out_of_range: null,"), Map.of()))
                .hasMessageContaining("tables[0].json_type: must be one of [string, json, auto] (got 'object')")
                .hasMessageContaining("tables[0].numeric_type: must be Decimal(P, S) (got 'Decimal(P, S)')")
                .hasMessageContaining("tables[0].decimal_out_of_range: must be one of [write_null, fail]");
        assertThat(PipeSpecParser.parse(spec + "settings: {allow_nullable_columns: false}\n", Map.of()).tables())
                .allMatch(t -> t.destination().nonNullable());
        assertThat(parsed.toString()).contains("public.events -> events order by [kind, Created At, id] primary key [kind]"
                + " partition by toYYYYMM(\"Created At\") viewed as events_now with types {amount=Decimal(18, 2),"
                + " Note=LowCardinality(String)} deletes ignore");

        assertThatThrownBy(() -> PipeSpecParser.parse(spec.replace("primary_key: [kind]", "primary_key: [id]")
                .replace("toYYYYMM(\"Created At\")", "").replace("events_now", "users").replace("ignore", "purge")
                .replace("'\"Note\"'", "amount"),
                Map.of()))
                .hasMessageContaining("tables[0].primary_key: [id] must be a prefix of order_by [kind, Created At, id]")
                .hasMessageContaining("tables[0].partition_by: must be a ClickHouse expression")
                .hasMessageContaining("tables[0].deletes: must be one of [soft, hard, ignore] (got 'purge')")
                .hasMessageContaining("tables[1]: target table users is used twice")
                .hasMessageContaining("tables[0].column_types: amount is listed twice");
        assertThatThrownBy(() -> PipeSpecParser.parse("""
                name: p
                source: {type: mongodb, uri: 'mongodb://h/?replicaSet=rs', database: app}
                destination: {url: 'http://h:8123', database: d}
                tables: [{source: users, order_by: [country, _id]}]
                """, Map.of()))
                .hasMessageContaining("tables[0]: order_by and primary_key are for Postgres tables");
    }
}
