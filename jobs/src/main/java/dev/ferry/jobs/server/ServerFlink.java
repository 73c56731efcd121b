package dev.ferry.jobs.server;

import dev.ferry.jobs.control.PipeControl;
import dev.ferry.jobs.control.PipeStateConflict;
import dev.ferry.jobs.local.EmbeddedFlink;
import dev.ferry.jobs.local.LocalPipeState;
import dev.ferry.operators.PipeSetupException;
import dev.ferry.state.lifecycle.PipeEntry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Flink inside {@code ferry server} (its default): pipes created on the server run here, and
 * when the server starts again each pipe whose job went with the last process goes on from that
 * job's newest retained checkpoint, stopped cleanly or killed alike.
 */
public final class ServerFlink implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ServerFlink.class);
    static final String WHO = "ferry server";

    private final EmbeddedFlink flink;
    private final Path checkpoints;
    private final String url;

    private ServerFlink(EmbeddedFlink flink, Path checkpoints, String url) {
        this.flink = flink;
        this.checkpoints = checkpoints;
        this.url = url;
    }

    public static ServerFlink start(Path stateDir, int port, int slots) throws Exception {
        Path dir = stateDir.toAbsolutePath();
        EmbeddedFlink flink = EmbeddedFlink.startSession(dir, slots, port);
        return new ServerFlink(flink, dir.resolve("checkpoints"), "http://127.0.0.1:" + port);
    }

    /** Its REST URL (and web UI), as pipes created here record it. */
    public String url() {
        return url;
    }

    /**
     * Starts again every active pipe of the catalog whose job ran on this Flink in an earlier process,
     * from the newest checkpoint that job retained; returns one line per pipe on what was done. A
     * pipe without a checkpoint is left to the watcher, which records it Failed with the cause.
     */
    public List<String> recover(PipeControl control) {
        List<String> done = new ArrayList<>();
        for (PipeEntry e : control.list()) {
            if (!e.flinkUrl().equals(url) || !e.hasJob()) {
                continue;
            }
            Optional<Path> checkpoint = LocalPipeState.newestComplete(checkpoints.resolve(e.jobId()));
            if (checkpoint.isEmpty()) {
                continue;
            }
            String action = "recover from " + checkpoint.get();
            try {
                PipeEntry running = control.recover(e.name(), checkpoint.get().toUri().toString());
                PipeApi.record(control, e.name(), WHO, action, "ok");
                done.add("pipe " + e.name() + " goes on from " + checkpoint.get() + " as job " + running.jobId());
            } catch (PipeStateConflict notActive) {
                LOG.debug("pipe {} not recovered: {}", e.name(), notActive.getMessage());
            } catch (Exception failure) {
                String why = PipeSetupException.firstLine(failure);
                PipeApi.record(control, e.name(), WHO, action, why);
                done.add("pipe " + e.name() + " could not go on from " + checkpoint.get() + ": " + why);
            }
        }
        return done;
    }

    @Override
    public void close() throws Exception {
        flink.close();
    }
}
