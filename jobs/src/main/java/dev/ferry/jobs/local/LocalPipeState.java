package dev.ferry.jobs.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Where {@code ferry run} keeps a pipe's Flink state between runs: {@code <dir>/<pipe>/checkpoints}
 * (retained when the process dies) and {@code <dir>/<pipe>/savepoints} (taken on Ctrl-C). The next
 * run resumes from the newest of them.
 */
public final class LocalPipeState {
    private static final String METADATA = "_metadata";

    private final Path root;

    public LocalPipeState(Path dir, String pipe) {
        this.root = dir.toAbsolutePath().resolve(pipe);
    }

    public Path root() {
        return root;
    }

    public String checkpoints() {
        return root.resolve("checkpoints").toUri().toString();
    }

    public String savepoints() {
        return root.resolve("savepoints").toUri().toString();
    }

    /** The newest complete savepoint or retained checkpoint (a directory with {@code _metadata}). */
    public Optional<Path> latest() {
        return newestComplete(root);
    }

    /**
     * The newest complete savepoint or checkpoint at most three levels under {@code root}; one whose
     * {@code _metadata} is not written yet (the process died while taking it) does not count.
     */
    public static Optional<Path> newestComplete(Path root) {
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.walk(root, 4)) {
            return files.filter(p -> p.getFileName().toString().equals(METADATA))
                    .max(Comparator.comparing(LocalPipeState::modified))
                    .map(Path::getParent);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + root, e);
        }
    }

    /** Forgets every checkpoint and savepoint: the pipe is done. */
    public void clear() {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + root, e);
        }
    }

    private static FileTime modified(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }
}
