package dev.ferry.state.lifecycle;

/** A pipe's lifecycle states, named as the ClickPipes documentation names them. */
public enum PipeState {
    PROVISIONING("Provisioning"),
    SETUP("Setup"),
    SNAPSHOT("Snapshot"),
    RUNNING("Running"),
    PAUSING("Pausing"),
    PAUSED("Paused"),
    MODIFYING("Modifying"),
    RESYNC("Resync"),
    COMPLETED("Completed"),
    FAILED("Failed");

    private final String label;

    PipeState(String label) {
        this.label = label;
    }

    /** The name users see (status table, CLI, metrics). */
    public String label() {
        return label;
    }

    public static PipeState fromLabel(String label) {
        for (PipeState s : values()) {
            if (s.label.equalsIgnoreCase(label) || s.name().equalsIgnoreCase(label)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown pipe state '" + label + "'");
    }

    /** Stable code for the status gauge: the ordinal would change if states were reordered. */
    public int code() {
        return switch (this) {
            case PROVISIONING -> 0;
            case SETUP -> 1;
            case SNAPSHOT -> 2;
            case RUNNING -> 3;
            case PAUSING -> 4;
            case PAUSED -> 5;
            case MODIFYING -> 6;
            case RESYNC -> 7;
            case COMPLETED -> 8;
            case FAILED -> 9;
        };
    }

    @Override
    public String toString() {
        return label;
    }
}
