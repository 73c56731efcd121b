package dev.ferry.operators;

/**
 * A problem the user has to fix (unreachable server, wrong password, missing table, bad setting).
 * Its message is one line, says what is wrong and where, and never holds secrets.
 */
public class PipeSetupException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PipeSetupException(String message) {
        super(message);
    }

    public PipeSetupException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The first line of a driver's message: enough to act on, no stack of causes. */
    public static String firstLine(Throwable t) {
        String m = t.getMessage();
        if (m == null || m.isBlank()) {
            return t.getClass().getSimpleName();
        }
        int nl = m.indexOf('\n');
        return (nl < 0 ? m : m.substring(0, nl)).trim();
    }
}
