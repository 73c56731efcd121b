package dev.ferry.state.spec;

import java.util.List;

/** The systems a pipe can read from, and the source options each one requires. */
public enum SourceKind {
    POSTGRES,
    MONGODB;

    // A method, not a constructor argument: SourceOptions refers back to this enum.
    public List<PipeOption<?>> required() {
        return switch (this) {
            case POSTGRES -> List.of(SourceOptions.HOST, SourceOptions.DATABASE, SourceOptions.USER);
            case MONGODB -> List.of(SourceOptions.URI, SourceOptions.DATABASE);
        };
    }
}
