package dev.ferry.state.spec;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** A validated pipe: where it reads, where it writes, which tables, and its settings. */
public final class PipeSpec implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String name;
    private final OptionValues source;
    private final OptionValues destination;
    private final List<TableSpec> tables;
    private final OptionValues settings;

    PipeSpec(String name, OptionValues source, OptionValues destination, List<TableSpec> tables, OptionValues settings) {
        this.name = name;
        this.source = source;
        this.destination = destination;
        this.tables = List.copyOf(tables);
        this.settings = settings;
    }

    public String name() {
        return name;
    }

    public SourceKind sourceKind() {
        return source.get(SourceOptions.TYPE);
    }

    public OptionValues source() {
        return source;
    }

    public OptionValues destination() {
        return destination;
    }

    public List<TableSpec> tables() {
        return tables;
    }

    public OptionValues settings() {
        return settings;
    }

    public <T extends Serializable> T setting(PipeOption<T> option) {
        return settings.get(option);
    }

    public Optional<TableSpec> table(String sourceId) {
        return tables.stream().filter(t -> t.sourceId().equals(sourceId)).findFirst();
    }

    /** Publication name: the configured one, else {@code ferry_<pipe>}. */
    public String publicationName() {
        String configured = settings.get(PipeSettings.PUBLICATION_NAME);
        return configured != null ? configured : "ferry_" + name;
    }

    /** Replication slot name: the configured one, else {@code ferry_<pipe>}. */
    public String replicationSlotName() {
        String configured = settings.get(PipeSettings.REPLICATION_SLOT_NAME);
        return configured != null ? configured : "ferry_" + name;
    }

    public PipeSpec withSettings(OptionValues newSettings) {
        return new PipeSpec(name, source, destination, tables, newSettings);
    }

    public PipeSpec withTables(List<TableSpec> newTables) {
        return new PipeSpec(name, source, destination, newTables, settings);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PipeSpec other
                && name.equals(other.name)
                && source.equals(other.source)
                && destination.equals(other.destination)
                && tables.equals(other.tables)
                && settings.equals(other.settings);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, source, destination, tables, settings);
    }

    /** Safe to log: secrets are masked. */
    @Override
    public String toString() {
        return "pipe " + name + " [" + source.describe(SourceOptions.ALL) + "] -> ["
                + destination.describe(DestinationOptions.ALL) + "] tables " + tables;
    }
}
