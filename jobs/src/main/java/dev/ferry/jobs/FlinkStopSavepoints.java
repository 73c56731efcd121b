package dev.ferry.jobs;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.runtime.scheduler.stopwithsavepoint.StopWithSavepointStoppingException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A stop-with-savepoint whose savepoint completed but whose job then failed while its tasks finished
 * (Flink reports it so when a task's final state arrives late, e.g. after the load's readers had
 * ended): the savepoint is consistent, and Ferry commits nothing outside checkpoints, so the pipe
 * resumes from it like from any other.
 */
public final class FlinkStopSavepoints {
    private static final Logger LOG = LoggerFactory.getLogger(FlinkStopSavepoints.class);
    /** How the REST API words it, after the exception's class name. */
    private static final Pattern CREATED = Pattern.compile("A savepoint has been created at: (\\S+), but the corresponding job");

    private FlinkStopSavepoints() {}

    /** The savepoint {@code job}'s failed stop made anyway, if the failure says it made one (then logged). */
    public static Optional<String> madeBeforeTheStopFailed(Throwable failure, Object job) {
        Optional<String> made = savepointIn(failure);
        made.ifPresent(path -> LOG.warn("job {} failed as it stopped, after its savepoint {} completed: the pipe resumes"
                + " from it", job, path));
        return made;
    }

    private static Optional<String> savepointIn(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof StopWithSavepointStoppingException stopping) {
                return Optional.of(stopping.getSavepointPath());
            }
            Matcher m = CREATED.matcher(String.valueOf(t.getMessage()));
            if (m.find()) {
                return Optional.of(m.group(1));
            }
        }
        return Optional.empty();
    }
}
