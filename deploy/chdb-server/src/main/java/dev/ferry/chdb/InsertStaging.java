package dev.ferry.chdb;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Turns an INSERT with data into one the engine reads from a file. chDB cuts inline INSERT data at
 * the first blank line, which binary formats contain at random, so the data is written to a
 * staging file and the statement becomes {@code INSERT INTO t ... SELECT * FROM file(path, format)}.
 */
final class InsertStaging {
    /**
     * Settings for the rewritten statement, so it behaves like the INSERT it replaces: the data is
     * read with the target table's structure (the only way for RowBinary, which names no columns),
     * and blocks are deduplicated like a plain INSERT's (INSERT SELECT ones only when the SELECT is
     * provably stable, which a staged file is). A request's own settings win.
     */
    static final Map<String, String> SETTINGS = Map.of(
            "use_structure_from_insertion_table_in_table_functions", "1",
            "deduplicate_insert_select", "enable_even_for_bad_queries");

    private final Path directory;

    InsertStaging(Path directory) throws IOException {
        this.directory = Files.createDirectories(directory);
        try (Stream<Path> leftovers = Files.list(directory)) {
            for (Path leftover : (Iterable<Path>) leftovers::iterator) {
                Files.deleteIfExists(leftover);
            }
        }
    }

    /** A staged INSERT; closing it deletes the file. */
    record Staged(Path file, String sql) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            Files.deleteIfExists(file);
        }
    }

    /**
     * Writes the data (the rest of {@code head} from the statement's data start, then {@code body})
     * to a new staging file.
     */
    Staged stage(Statement statement, byte[] head, int headLength, InputStream body) throws IOException {
        Path file = directory.resolve(UUID.randomUUID() + ".data");
        try (OutputStream out = new BufferedOutputStream(
                Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), 1 << 18)) {
            out.write(head, statement.dataStart(), headLength - statement.dataStart());
            body.transferTo(out);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
        String sql = statement.insertPrefix(head) + " SELECT * FROM file("
                + ChdbConnection.literal(file.toString()) + ", " + ChdbConnection.literal(statement.inputFormat()) + ")";
        return new Staged(file, sql);
    }
}
