package dev.ferry.jobs.control;

import dev.ferry.operators.PipeSetupException;

/** An operation the pipe's current state does not allow (pausing a Paused pipe): bad input for the CLI, a conflict for the API. */
public final class PipeStateConflict extends PipeSetupException {
    private static final long serialVersionUID = 1L;

    PipeStateConflict(String message) {
        super(message);
    }
}
