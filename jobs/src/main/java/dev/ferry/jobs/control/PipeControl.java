package dev.ferry.jobs.control;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.jobs.FlinkStopSavepoints;
import dev.ferry.jobs.PipeJobMain;
import dev.ferry.jobs.PipeRuns;
import dev.ferry.jobs.PipeSource;
import dev.ferry.operators.PipeSetupException;
import dev.ferry.operators.clickhouse.ClickHousePipeCatalog;
import dev.ferry.operators.clickhouse.ClickHousePipeDestination;
import dev.ferry.operators.postgres.setup.PostgresCatalog;
import dev.ferry.state.lifecycle.PipeEntry;
import dev.ferry.state.lifecycle.PipeRun;
import dev.ferry.state.lifecycle.PipeState;
import dev.ferry.state.lifecycle.PipeTransitions;
import dev.ferry.state.schema.TableSchema;
import dev.ferry.state.spec.PipeOption;
import dev.ferry.state.spec.PipeSettings.ReplicationMode;
import dev.ferry.state.spec.PipeSettings;
import dev.ferry.state.spec.PipeSpec;
import dev.ferry.state.spec.PipeSpecDocument;
import dev.ferry.state.spec.PipeSpecParser;
import dev.ferry.state.spec.SourceKind;
import dev.ferry.state.spec.TableOptions;
import dev.ferry.state.spec.TableSpec;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The pipe operations of the {@code ferry} CLI on a Flink cluster. Each checks the transition table
 * before it changes anything, so a refused operation leaves the pipe as it was. The control plane
 * records the transitions made while no job runs (Pausing, Paused, Modifying, and into a new run's
 * state); the job records those its data makes (see PipeLifecycleOperator).
 */
public final class PipeControl {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PipeControl.class);
    private static final Duration STOP_TIMEOUT = Duration.ofMinutes(2);
    private static final int SAVEPOINT_ATTEMPTS = 3;
    private static final Set<PipeState> ACTIVE = Set.of(PipeState.SNAPSHOT, PipeState.RUNNING, PipeState.RESYNC);

    private final ClickHousePipeCatalog catalog;
    private final Map<String, String> env;

    public PipeControl(ClickHousePipeCatalog catalog, Map<String, String> env) {
        this.catalog = catalog;
        this.env = env;
    }

    /** Sets a pipe up and starts it on the cluster at {@code flinkUrl}. */
    public PipeEntry create(PipeSpecDocument doc, String flinkUrl) throws IOException {
        PipeSpec spec = doc.parse(env);
        Optional<PipeEntry> existing = catalog.get(spec.name());
        if (existing.isPresent()) {
            throw new PipeSetupException("pipe " + spec.name() + " exists (" + state(spec).label()
                    + "); delete it first");
        }
        FlinkRestClient flink = new FlinkRestClient(flinkUrl);
        flink.checkReachable();
        // A deleted pipe's states and progress stay for a look back, until a pipe is created under its name.
        try (ClickHousePipeDestination destination = ClickHousePipeDestination.open(spec)) {
            destination.forgetStatus();
        }
        PipeSource.of(spec).prepare(spec, true);
        PipeRun run = PipeRuns.first(spec);
        PipeEntry entry = new PipeEntry(spec.name(), doc, flink.url(), "", "", run);
        catalog.put(entry);
        return start(entry, spec, null);
    }

    /** Stops the pipe's job with a savepoint: Running|Snapshot|Resync -> Pausing -> Paused. */
    public PipeEntry pause(String name) throws IOException, InterruptedException {
        PipeEntry e = entry(name);
        PipeSpec spec = e.spec().parse(env);
        PipeState before = reconcile(e, spec);
        require(name, before, PipeState.PAUSING, "paused");
        record(spec, before, PipeState.PAUSING, "");
        String savepoint;
        try {
            savepoint = stopWithSavepoint(flink(e), e.jobId());
        } catch (IOException failure) {
            record(spec, PipeState.PAUSING, before, "pause failed: " + failure.getMessage());
            throw new PipeSetupException("pausing " + name + " failed: " + failure.getMessage(), failure);
        }
        PipeEntry paused = e.withSavepoint(savepoint);
        catalog.put(paused);
        record(spec, PipeState.PAUSING, PipeState.PAUSED, "savepoint " + savepoint);
        return paused;
    }

    /** Starts the pipe again from its savepoint, in the phase it was paused in. */
    public PipeEntry resume(String name) throws IOException {
        PipeEntry e = entry(name);
        PipeSpec spec = e.spec().parse(env);
        PipeState now = reconcile(e, spec);
        if (now != PipeState.PAUSED) {
            throw new PipeSetupException("pipe " + name + " is " + now.label() + "; only a Paused pipe can be resumed");
        }
        PipeState target = pausedFrom(spec);
        PipeTransitions.check(now, target);
        return start(e, spec, e.savepoint(), now, target);
    }

    /** Changes sync settings of a paused pipe; snapshot settings are fixed at creation. */
    public PipeEntry edit(String name, Map<String, String> settings) throws IOException {
        PipeEntry e = entry(name);
        PipeSpec spec = e.spec().parse(env);
        PipeState now = reconcile(e, spec);
        if (now != PipeState.PAUSED) {
            throw new PipeSetupException("pipe " + name + " is " + now.label() + "; settings can be edited only while"
                    + " it is Paused (ferry pause " + name + ")");
        }
        PipeSpecDocument doc = e.spec();
        for (Map.Entry<String, String> s : settings.entrySet()) {
            PipeOption<?> option = PipeSettings.find(s.getKey()).orElseThrow(() -> new PipeSetupException(
                    "no setting " + s.getKey() + " (settings: " + PipeSettings.ALL + ")"));
            if (option.editability() != PipeOption.Editability.EDITABLE_WHILE_PAUSED) {
                throw new PipeSetupException(option.key() + " is fixed when a pipe is created; editable while paused: "
                        + PipeSettings.ALL.stream().filter(o -> o.editability() == PipeOption.Editability.EDITABLE_WHILE_PAUSED)
                                .map(PipeOption::key).toList());
            }
            doc = doc.withSetting(option, s.getValue());
        }
        doc.parse(env); // reports invalid values with their field, before anything is stored
        PipeEntry edited = e.withSpec(doc);
        catalog.put(edited);
        return edited;
    }

    /**
     * Changes options of one table of a running or paused pipe. Options that change its ClickHouse
     * table (exclude_columns, order_by, primary_key, partition_by, column and json/numeric types) are
     * checked as at Setup, then resync that table into a copy made with them, swapped in when loaded;
     * the others (current_view, deletes, decimal_out_of_range) apply when the job starts again: at
     * once for a running pipe, on resume for a paused one, at the resync of a Failed one (a Failed
     * pipe whose table options no longer fit the source is mended by changing them: that table is
     * resynced, the others follow the slot on).
     */
    public PipeEntry editTable(String name, String table, Map<String, String> options)
            throws IOException, InterruptedException {
        PipeEntry e = entry(name);
        PipeSpec before = e.spec().parse(env);
        TableSpec old = before.table(PipeSpecParser.sourceId(table, before.sourceKind())).orElseThrow(() ->
                new PipeSetupException("pipe " + name + " has no table " + table + " (tables: " + ids(before) + ")"));
        for (String key : options.keySet()) {
            if (TableOptions.find(key).isEmpty()) {
                throw new PipeSetupException("no table option " + key + " (table options: "
                        + TableOptions.ALL.stream().map(PipeOption::key).toList() + ")");
            }
        }
        PipeSpecDocument doc = e.spec().withTableOptions(before.tables().indexOf(old), options);
        PipeSpec after = doc.parse(env); // reports invalid values with their field, before anything is stored
        TableSpec now = after.table(old.sourceId()).orElseThrow();
        if (now.equals(old)) {
            return e;
        }
        PipeState state = reconcile(e, before);
        if (state != PipeState.RUNNING && state != PipeState.PAUSED && state != PipeState.FAILED) {
            throw new PipeSetupException("pipe " + name + " is " + state.label() + "; table options can be changed while"
                    + " it runs, is Paused or Failed");
        }
        boolean reshapes = !now.excludedColumns().equals(old.excludedColumns())
                || !now.destination().makesSameTable(old.destination());
        if (reshapes && state == PipeState.PAUSED && pausedFrom(before) == PipeState.SNAPSHOT) {
            throw new PipeSetupException("pipe " + name + " was paused during its initial load: resume it and let the"
                    + " load finish, then change the table's options");
        }
        // the options against the table as it is now
        TableSchema schema = PipeSource.of(after).checkTables(after).stream()
                .filter(t -> t.sourceId().equals(now.sourceId())).findFirst().orElseThrow();
        String oldView = old.destination().currentView();
        boolean viewGone = oldView != null && !oldView.equals(now.destination().currentView());
        if (reshapes || viewGone) {
            try (ClickHousePipeDestination destination = ClickHousePipeDestination.open(after)) {
                if (reshapes) {
                    destination.checkTableOptions(schema, now.destination());
                }
                if (viewGone) {
                    destination.dropView(oldView);
                }
            }
        }
        catalog.put(e.withSpec(doc));
        if (reshapes) {
            return resync(name, Optional.of(now.sourceId()));
        }
        return state == PipeState.RUNNING ? resume(pause(name).name()) : entry(name);
    }

    /** Adds tables: Modifying; the new tables get an initial load while the others keep streaming. */
    public PipeEntry addTables(String name, List<String> tables) throws IOException, InterruptedException {
        PipeEntry e = entry(name);
        List<JsonNode> entries = new ArrayList<>(e.spec().tableEntries());
        tables.forEach(t -> entries.add(PipeSpecDocument.tableEntry(t)));
        PipeSpecDocument doc = e.spec().withTables(entries);
        PipeSpec before = e.spec().parse(env);
        PipeSpec after = doc.parse(env);
        List<String> added = ids(after).stream().filter(t -> !ids(before).contains(t)).toList();
        return modify(e, doc, added, List.of());
    }

    /** Removes tables: they stop receiving changes and keep their data in ClickHouse. */
    public PipeEntry removeTables(String name, List<String> tables) throws IOException, InterruptedException {
        PipeEntry e = entry(name);
        PipeSpec spec = e.spec().parse(env);
        List<String> removed = new ArrayList<>();
        for (String t : tables) {
            TableSpec ts = spec.table(PipeSpecParser.sourceId(t, spec.sourceKind())).orElseThrow(() ->
                    new PipeSetupException("pipe " + name + " has no table " + t + " (tables: " + ids(spec) + ")"));
            removed.add(ts.sourceId());
        }
        List<JsonNode> kept = new ArrayList<>();
        List<JsonNode> entries = e.spec().tableEntries();
        for (int i = 0; i < entries.size(); i++) {
            if (!removed.contains(spec.tables().get(i).sourceId())) {
                kept.add(entries.get(i));
            }
        }
        if (kept.isEmpty()) {
            throw new PipeSetupException("a pipe needs at least one table; delete pipe " + name + " instead");
        }
        return modify(e, e.spec().withTables(kept), List.of(), removed);
    }

    private PipeEntry modify(PipeEntry e, PipeSpecDocument doc, List<String> added, List<String> removed)
            throws IOException, InterruptedException {
        PipeSpec spec = doc.parse(env);
        PipeState now = reconcile(e, e.spec().parse(env));
        if (now != PipeState.PAUSED && now != PipeState.RUNNING && now != PipeState.SNAPSHOT) {
            throw new PipeSetupException("pipe " + e.name() + " is " + now.label() + "; tables can be changed while it"
                    + " runs or is Paused");
        }
        PipeSource source = PipeSource.of(spec);
        source.checkTables(spec); // new tables must exist and be readable before anything changes
        boolean loading = now == PipeState.SNAPSHOT || (now == PipeState.PAUSED && pausedFrom(spec) == PipeState.SNAPSHOT);
        if (now != PipeState.PAUSED) {
            e = pause(e.name());
        }
        record(spec, PipeState.PAUSED, PipeState.MODIFYING, modification(added, removed));
        List<String> there = existing(spec, added);
        List<TableSchema> tables;
        try {
            tables = source.prepare(spec, false);
        } catch (RuntimeException failure) {
            record(spec, PipeState.MODIFYING, PipeState.FAILED, PipeSetupException.firstLine(failure));
            throw failure;
        }
        // A load cut by the change restarts as part of the new generation, with the added tables.
        Set<String> load = new LinkedHashSet<>(loading ? e.run().loadTables() : List.of());
        if (spec.setting(PipeSettings.REPLICATION_MODE) != ReplicationMode.CDC_ONLY) {
            load.addAll(added);
        }
        load.removeAll(removed);
        load.retainAll(ids(tables));
        PipeState start = load.isEmpty() ? PipeState.RUNNING : PipeState.SNAPSHOT;
        // A table added back after it was removed: its old rows may be gone at the source, so it is loaded
        // into a copy that replaces it, like a resync.
        List<String> reload = there.stream().filter(load::contains).toList();
        PipeRun run = e.run().next(List.copyOf(load), reload, start);
        createCopies(spec, tables, run);
        PipeEntry modified = e.withSpec(doc).withRun(run);
        catalog.put(modified);
        return start(modified, spec, e.savepoint(), PipeState.MODIFYING, start);
    }

    /**
     * Reloads one table (or all) into {@code <table>_resync} copies while the originals keep serving and
     * receiving changes, then swaps them in: Running|Paused|Completed|Failed -> Resync -> Running|Completed.
     */
    public PipeEntry resync(String name, Optional<String> table) throws IOException, InterruptedException {
        PipeEntry e = entry(name);
        PipeSpec spec = e.spec().parse(env);
        PipeState now = reconcile(e, spec);
        if (now != PipeState.RUNNING) {
            require(name, now, PipeState.RESYNC, "resynced");
        }
        List<String> tables = table.isPresent()
                ? List.of(spec.table(PipeSpecParser.sourceId(table.get(), spec.sourceKind())).orElseThrow(() -> new PipeSetupException(
                        "pipe " + name + " has no table " + table.get() + " (tables: " + ids(spec) + ")")).sourceId())
                : ids(spec);
        if (table.isPresent() && (now == PipeState.PAUSED && pausedFrom(spec) == PipeState.SNAPSHOT)) {
            throw new PipeSetupException("pipe " + name + " was paused during its initial load: resume it and let the"
                    + " load finish, or resync the whole pipe");
        }
        boolean fresh = now == PipeState.FAILED || now == PipeState.COMPLETED;
        PipeSource source = PipeSource.of(spec);
        if (fresh) {
            source.beforeResync(spec, table.isPresent());
        }
        if (now == PipeState.RUNNING) {
            e = pause(name);
            now = PipeState.PAUSED;
        }
        List<TableSchema> schemas = source.prepare(spec, false);
        // A streaming Postgres pipe's change stream copies keyless tables again itself: a load would read
        // them under its own snapshot, which cannot tell rows the stream also sends apart (they have no key).
        boolean streaming = !fresh && spec.sourceKind() == SourceKind.POSTGRES
                && spec.setting(PipeSettings.REPLICATION_MODE) != ReplicationMode.SNAPSHOT;
        List<String> reload = !streaming ? List.of() : schemas.stream()
                .filter(t -> tables.contains(t.sourceId()) && t.key().equals(List.of(PostgresCatalog.CTID_COLUMN)))
                .map(TableSchema::sourceId).toList();
        List<String> load = tables.stream().filter(t -> !reload.contains(t)).toList();
        PipeRun run = reload.isEmpty() ? e.run().next(tables, tables, PipeState.RESYNC)
                : load.isEmpty() ? e.run().reloading(reload, PipeState.RESYNC)
                : new PipeRun(e.run().generation() + 1, load, load, reload, PipeState.RESYNC);
        createCopies(spec, schemas, run);
        PipeEntry resyncing = e.withRun(run);
        catalog.put(resyncing);
        return start(resyncing, spec, fresh ? null : e.savepoint(), now, PipeState.RESYNC);
    }

    /** Empty copies of the tables {@code run} resyncs, which its load fills and then swaps in. */
    private static void createCopies(PipeSpec spec, List<TableSchema> schemas, PipeRun run) {
        try (ClickHousePipeDestination destination = ClickHousePipeDestination.open(spec)) {
            destination.createResyncCopies(schemas, run.resyncTables(), run.generation());
        }
    }

    /** The tables of {@code sourceIds} whose ClickHouse table exists already. */
    private List<String> existing(PipeSpec spec, List<String> sourceIds) {
        if (sourceIds.isEmpty()) {
            return List.of();
        }
        return withDestination(spec, destination -> destination.existing(sourceIds));
    }

    /** Stops the pipe and removes it: job, slot, publication, catalog entry (and its tables, if asked). */
    public void delete(String name, boolean dropTables) throws IOException, InterruptedException {
        PipeEntry e = entry(name);
        PipeSpec spec = e.spec().parse(env);
        if (e.hasJob() && flink(e).jobState(e.jobId()).filter(s -> !List.of("FINISHED", "FAILED", "CANCELED")
                .contains(s)).isPresent()) {
            flink(e).cancel(e.jobId());
            flink(e).awaitTerminal(e.jobId(), STOP_TIMEOUT);
        }
        PipeSource.of(spec).release(spec);
        if (dropTables) {
            try (ClickHousePipeDestination destination = ClickHousePipeDestination.open(spec)) {
                destination.dropTables();
            }
        }
        catalog.delete(e);
    }

    /**
     * Starts a pipe whose job vanished with its Flink (a {@code ferry server}'s own, stopped or killed)
     * again from that job's last retained checkpoint: the pipe goes on in its phase, as after a restart
     * by Flink, re-writing at most what came after the checkpoint.
     */
    public PipeEntry recover(String name, String checkpoint) throws IOException {
        PipeEntry e = entry(name);
        PipeSpec spec = e.spec().parse(env);
        PipeState recorded = state(spec);
        if (!ACTIVE.contains(recorded) || !e.hasJob() || flink(e).jobState(e.jobId()).isPresent()) {
            throw new PipeStateConflict("pipe " + name + " is " + recorded.label() + (e.hasJob()
                    ? " with job " + e.jobId() : " without a job") + "; only a pipe whose running job is gone is"
                    + " started again from its checkpoint");
        }
        return start(e, spec, checkpoint);
    }

    /** The pipe's state, after noticing a job that failed or vanished. */
    public PipeState state(String name) throws IOException {
        PipeEntry e = entry(name);
        return reconcile(e, e.spec().parse(env));
    }

    public PipeEntry entry(String name) {
        return catalog.get(name).orElseThrow(() -> new PipeSetupException("no pipe named " + name
                + " in the catalog (ferry list shows them)"));
    }

    public List<PipeEntry> list() {
        return catalog.list();
    }

    public Map<String, String> env() {
        return env;
    }

    public ClickHousePipeCatalog catalog() {
        return catalog;
    }

    /**
     * The recorded state, corrected when the job is no longer running: a job that failed for good makes
     * the pipe Failed with the cause.
     */
    PipeState reconcile(PipeEntry e, PipeSpec spec) throws IOException {
        PipeState recorded = state(spec);
        if (!ACTIVE.contains(recorded) || !e.hasJob()) {
            return recorded;
        }
        Optional<String> job = flink(e).jobState(e.jobId());
        if (job.isEmpty() || job.get().equals("FAILED")) {
            String cause = job.isEmpty() ? "its Flink job " + e.jobId() + " is gone from " + e.flinkUrl()
                    : flink(e).failureCause(e.jobId());
            record(spec, recorded, PipeState.FAILED, cause);
            catalog.put(e.withJob(""));
            return PipeState.FAILED;
        }
        return recorded;
    }

    private PipeEntry start(PipeEntry e, PipeSpec spec, String savepoint) throws IOException {
        FlinkRestClient flink = flink(e);
        String jarId = JobJar.locate().ensureUploaded(flink);
        List<String> args = List.of("--spec-base64", PipeJobMain.encode(e.spec().resolved(env)),
                "--run-base64", PipeJobMain.encode(e.run().toJson()));
        String jobId;
        try {
            jobId = flink.runJar(jarId, JobJar.ENTRY_CLASS, args, savepoint);
        } catch (IOException failure) {
            PipeState now = state(spec);
            if (PipeTransitions.isAllowed(now, PipeState.FAILED)) {
                record(spec, now, PipeState.FAILED, "could not start on Flink: " + failure.getMessage());
            }
            throw new PipeSetupException("starting " + e.name() + " on " + flink.url() + " failed: " + failure.getMessage(),
                    failure);
        }
        PipeEntry running = e.withJob(jobId);
        catalog.put(running);
        return running;
    }

    private PipeEntry start(PipeEntry e, PipeSpec spec, String savepoint, PipeState from, PipeState to)
            throws IOException {
        PipeEntry running = start(e, spec, savepoint);
        record(spec, from, to, "Flink job " + running.jobId());
        return running;
    }

    /**
     * A savepoint can fail when it meets tasks that are just finishing (the initial load's readers as
     * the load ends); Flink then restarts the job from its last checkpoint and it runs on. Try again
     * once it is running.
     */
    private static String stopWithSavepoint(FlinkRestClient flink, String jobId) throws IOException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                return flink.stopWithSavepoint(jobId);
            } catch (IOException failure) {
                Optional<String> made = FlinkStopSavepoints.madeBeforeTheStopFailed(failure, jobId);
                if (made.isPresent()) {
                    if (flink.jobState(jobId).filter(s -> !List.of("FINISHED", "FAILED", "CANCELED").contains(s)).isPresent()) {
                        flink.cancel(jobId); // restarted from a checkpoint: the savepoint is where it goes on
                        flink.awaitTerminal(jobId, STOP_TIMEOUT);
                    }
                    return made.get();
                }
                Optional<String> state = flink.awaitRunning(jobId, STOP_TIMEOUT);
                if (attempt == SAVEPOINT_ATTEMPTS || state.filter("RUNNING"::equals).isEmpty()) {
                    throw failure;
                }
                LOG.warn("savepoint of job {} failed ({}); the job runs on, trying again", jobId, failure.getMessage());
            }
        }
    }

    /** Refuses an operation whose transition the table does not allow from {@code now}, naming where it is allowed. */
    private static void require(String name, PipeState now, PipeState to, String done) {
        if (!PipeTransitions.isAllowed(now, to)) {
            List<String> from = java.util.Arrays.stream(PipeState.values())
                    .filter(s -> PipeTransitions.isAllowed(s, to)).map(PipeState::label).toList();
            throw new PipeStateConflict("pipe " + name + " is " + now.label() + "; it can be " + done + " only while "
                    + String.join(", ", from));
        }
    }

    /** The phase a paused pipe was paused in (the state before its last Pausing). */
    private PipeState pausedFrom(PipeSpec spec) {
        return withDestination(spec, ClickHousePipeDestination::pausedFrom);
    }

    private PipeState state(PipeSpec spec) {
        return withDestination(spec, destination -> destination.lastState().orElse(PipeState.PROVISIONING));
    }

    private void record(PipeSpec spec, PipeState from, PipeState to, String reason) {
        try (ClickHousePipeDestination destination = ClickHousePipeDestination.open(spec)) {
            destination.recordState(from, to, reason);
        }
    }

    private static <T> T withDestination(PipeSpec spec, Function<ClickHousePipeDestination, T> action) {
        try (ClickHousePipeDestination destination = ClickHousePipeDestination.open(spec)) {
            return action.apply(destination);
        }
    }

    private static FlinkRestClient flink(PipeEntry e) {
        return new FlinkRestClient(e.flinkUrl());
    }

    private static String modification(List<String> added, List<String> removed) {
        List<String> parts = new ArrayList<>();
        if (!added.isEmpty()) {
            parts.add("adding " + String.join(", ", added));
        }
        if (!removed.isEmpty()) {
            parts.add("removing " + String.join(", ", removed));
        }
        return String.join("; ", parts);
    }

    private static List<String> ids(List<TableSchema> tables) {
        return tables.stream().map(TableSchema::sourceId).toList();
    }

    private static List<String> ids(PipeSpec spec) {
        return spec.tables().stream().map(TableSpec::sourceId).toList();
    }
}
