package dev.ferry.jobs.postgres;

import dev.ferry.testing.PostgresTestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Writers that insert, update (including primary-key changes) and delete rows of
 * {@code accounts(id, owner, balance, tags, note, updated)} at a steady rate, in small transactions.
 */
final class SteadyWriters implements AutoCloseable {
    static final String TABLE = """
            CREATE TABLE accounts (id bigint PRIMARY KEY, owner text NOT NULL, balance numeric(14,2), tags text[],
              note text, updated timestamptz NOT NULL DEFAULT now());
            ALTER TABLE accounts REPLICA IDENTITY FULL""";

    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong nextId;
    private final AtomicLong operations = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final List<Thread> threads = new ArrayList<>();

    static void fill(PostgresTestDatabase pg, long rows) {
        pg.execute(TABLE, "INSERT INTO accounts SELECT g, 'owner ' || g, g % 100000 / 3.0, ARRAY['t' || (g % 7)],"
                + " CASE WHEN g % 4 = 0 THEN NULL ELSE md5(g::text) END, now() FROM generate_series(1, " + rows + ") g",
                "ANALYZE accounts");
    }

    SteadyWriters(PostgresTestDatabase pg, long existingRows, int threadCount, long pauseMillis) {
        nextId = new AtomicLong(existingRows + 1);
        for (int t = 0; t < threadCount; t++) {
            long seed = t;
            Thread thread = new Thread(() -> run(pg, seed, pauseMillis), "writer-" + t);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
    }

    private void run(PostgresTestDatabase pg, long seed, long pauseMillis) {
        Random random = new Random(seed);
        try (Connection c = pg.connect()) {
            c.setAutoCommit(false);
            PreparedStatement insert = c.prepareStatement(
                    "INSERT INTO accounts (id, owner, balance, tags, note) VALUES (?, ?, ?, ARRAY[?, NULL], ?)");
            PreparedStatement update = c.prepareStatement(
                    "UPDATE accounts SET balance = balance + 1.25, note = ?, updated = now() WHERE id = ?");
            PreparedStatement moveKey = c.prepareStatement("UPDATE accounts SET id = ? WHERE id = ?");
            PreparedStatement delete = c.prepareStatement("DELETE FROM accounts WHERE id = ?");
            while (!stop.get()) {
                int ops = 1 + random.nextInt(5);
                for (int i = 0; i < ops; i++) {
                    long max = nextId.get();
                    long id = 1 + (long) (random.nextDouble() * (max - 1));
                    int kind = random.nextInt(100);
                    if (kind < 35) {
                        long fresh = nextId.getAndIncrement();
                        insert.setLong(1, fresh);
                        insert.setString(2, "new " + fresh);
                        insert.setBigDecimal(3, java.math.BigDecimal.valueOf(random.nextInt(1_000_000), 2));
                        insert.setString(4, "k" + random.nextInt(5));
                        insert.setString(5, random.nextBoolean() ? null : "ž".repeat(random.nextInt(20)));
                        insert.executeUpdate();
                    } else if (kind < 80) {
                        update.setString(1, "updated " + random.nextInt());
                        update.setLong(2, id);
                        update.executeUpdate();
                    } else if (kind < 85) {
                        moveKey.setLong(1, nextId.getAndIncrement());
                        moveKey.setLong(2, id);
                        moveKey.executeUpdate();
                    } else {
                        delete.setLong(1, id);
                        delete.executeUpdate();
                    }
                }
                c.commit();
                operations.addAndGet(ops);
                if (pauseMillis > 0) {
                    Thread.sleep(pauseMillis);
                }
            }
        } catch (Exception e) {
            if (!stop.get()) {
                failure.set(e);
            }
        }
    }

    long operations() {
        return operations.get();
    }

    @Override
    public void close() throws InterruptedException {
        stop.set(true);
        for (Thread t : threads) {
            t.join(10_000);
        }
        if (failure.get() != null) {
            throw new IllegalStateException("a writer failed", failure.get());
        }
    }
}
