package dev.ferry.state.lifecycle;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Serializable;
import java.util.List;

/**
 * What one run of a pipe's job does, decided by the control plane: the initial-load generation, the
 * tables that generation loads, the tables being resynced (loaded into {@code <target>_resync} copies
 * that replace the originals when done), the tables the change stream copies again itself (the
 * resync of a Postgres pipe whose stream goes on), and the state the job starts in.
 *
 * <p>A generation's initial load keeps its operator state across pause and resume; a new generation
 * (tables added, a resync) starts a fresh load of its tables while the change stream keeps its place.
 */
public record PipeRun(int generation, List<String> loadTables, List<String> resyncTables, List<String> reloadTables,
        PipeState startState) implements Serializable {
    private static final ObjectMapper JSON = new ObjectMapper();

    public PipeRun {
        if (generation < 1) {
            throw new IllegalArgumentException("generation starts at 1");
        }
        loadTables = List.copyOf(loadTables);
        resyncTables = List.copyOf(resyncTables);
        reloadTables = reloadTables == null ? List.of() : List.copyOf(reloadTables); // runs stored before it existed
        if (!loadTables.containsAll(resyncTables)) {
            throw new IllegalArgumentException("resynced tables must be loaded: " + resyncTables);
        }
    }

    /** The first run: load every table (unless the pipe only follows changes). */
    public static PipeRun first(List<String> tables, boolean loads) {
        return new PipeRun(1, loads ? tables : List.of(), List.of(), List.of(),
                loads ? PipeState.SNAPSHOT : PipeState.RUNNING);
    }

    /** The next generation: load {@code tables} (resyncing {@code resync} of them), starting in {@code state}. */
    public PipeRun next(List<String> tables, List<String> resync, PipeState state) {
        return new PipeRun(generation + 1, tables, resync, List.of(), state);
    }

    /** The next generation: nothing loaded, the change stream copies {@code tables} again, starting in {@code state}. */
    public PipeRun reloading(List<String> tables, PipeState state) {
        return new PipeRun(generation + 1, List.of(), List.of(), tables, state);
    }

    public boolean loads() {
        return !loadTables.isEmpty();
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static PipeRun fromJson(String json) {
        try {
            return JSON.readValue(json, PipeRun.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a pipe run: " + e.getOriginalMessage(), e);
        }
    }
}
