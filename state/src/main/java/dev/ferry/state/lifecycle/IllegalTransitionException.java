package dev.ferry.state.lifecycle;

/** A state change the transition table refuses. */
public final class IllegalTransitionException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    private final PipeState from;
    private final PipeState to;

    IllegalTransitionException(PipeState from, PipeState to, String possible) {
        super("a " + from.label() + " pipe cannot become " + to.label()
                + (possible.isEmpty() ? " (no transition leaves " + from.label() + ")" : " (possible: " + possible + ")"));
        this.from = from;
        this.to = to;
    }

    public PipeState from() {
        return from;
    }

    public PipeState to() {
        return to;
    }
}
