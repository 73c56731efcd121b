package dev.ferry.state.spec;

import java.util.List;

/** A spec with problems; the message lists every problem at once, each with its field. */
public final class PipeSpecException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    public PipeSpecException(List<String> problems) {
        super("invalid pipe spec: " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
