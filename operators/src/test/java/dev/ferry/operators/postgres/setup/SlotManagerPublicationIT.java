package dev.ferry.operators.postgres.setup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.state.spec.TableSpec;
import dev.ferry.testing.PostgresTestDatabase;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The publication of a pipe gaining a table, with transactions in flight (real Postgres). */
class SlotManagerPublicationIT {
    private static final TableSpec A = new TableSpec("public", "a", "a");
    private static final TableSpec B = new TableSpec("public", "b", "b");

    private PostgresTestDatabase pg;

    @BeforeEach
    void database() {
        pg = new PostgresTestDatabase("pub");
        pg.execute("CREATE TABLE a (id int PRIMARY KEY)", "CREATE TABLE b (id int PRIMARY KEY)");
    }

    @AfterEach
    void drop() {
        pg.close();
    }

    /**
     * A transaction that wrote the added table before the ALTER is decoded under the old publication:
     * adding the table returns only once it has ended, so the table's initial load sees its rows.
     */
    @Test
    void addingATableWaitsForTransactionsThatBeganBefore() throws Exception {
        try (Connection setup = pg.connect(); Connection writer = pg.connect()) {
            SlotManager.ensurePublication(setup, "pub_test", List.of(A));
            writer.setAutoCommit(false);
            try (Statement st = writer.createStatement()) {
                st.execute("INSERT INTO b VALUES (1)");
            }
            CompletableFuture<Void> adding = CompletableFuture.runAsync(() -> {
                try {
                    SlotManager.ensurePublication(setup, "pub_test", List.of(A, B));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(1_500);
            assertThat(adding).as("waits while the older transaction runs").isNotDone();
            writer.commit();
            adding.get(30, TimeUnit.SECONDS);

            // Dropping a table from the publication waits for nothing.
            long start = System.nanoTime();
            writer.createStatement().execute("INSERT INTO a VALUES (1)"); // open, writing
            SlotManager.ensurePublication(setup, "pub_test", List.of(B));
            assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)).isLessThan(10);
            writer.rollback();
        }
    }
}
