package io.rgrid.worker.assignment.service;

import io.rgrid.model.ExecutionSpec;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.FailureReason;
import io.rgrid.model.MemorySize;
import io.rgrid.model.NetworkMode;
import io.rgrid.model.agent.Assignment;
import io.rgrid.model.agent.StorageAccess;
import io.rgrid.model.event.ExecutionStatusChanged;
import io.rgrid.model.event.LogStream;
import io.rgrid.model.storage.OutputNames;
import io.rgrid.model.storage.StorageKeys;
import io.rgrid.worker.kafka.EventPublisher;
import io.rgrid.worker.runtime.ContainerRuntime;
import io.rgrid.worker.runtime.OomDecision;
import io.rgrid.worker.runtime.OutputListener;
import io.rgrid.worker.runtime.RunFailedException;
import io.rgrid.worker.runtime.RunRequest;
import io.rgrid.worker.runtime.RunResult;
import io.rgrid.worker.runtime.WorkDirs;
import io.rgrid.worker.runtime.docker.DockerRuntime;
import io.rgrid.worker.storage.ExecutionStorage;
import io.rgrid.worker.storage.ExecutionStorage.StorageException;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Carries one attempt from RUNNING to its terminal report: fetch the files, run, store the log
 * and outputs, report, clean up. The terminal report goes out after the log and outputs are
 * stored, so whoever sees it can fetch them.
 */
final class AttemptRunner implements Runnable {

    private static final Logger LOG = Logger.getLogger(AttemptRunner.class);
    /** Per-phase timings of each attempt at DEBUG (see bench/worker-overhead.sh). */
    private static final Logger TIMINGS = Logger.getLogger("io.rgrid.worker.timings");
    /** Names an input may not take in /work, because the agent's own files live there. */
    private static final Set<String> RESERVED = Set.of(RunRequest.SCRIPT, RunRequest.INPUTS, RunRequest.OUTPUTS,
            RunRequest.REQUIREMENTS, RunRequest.DEPS);
    /** A log that grew past the size trigger is still uploaded at most this often. */
    private static final Duration MIN_UPLOAD_GAP = Duration.ofSeconds(1);

    /**
     * Limits and timings of one attempt, from {@code WorkerConfig}.
     *
     * @param requirementsTimeout deadline of the pip install of requirements.txt
     * @param logUploadInterval   the running log is rewritten to S3 at least this often when it grew
     * @param logUploadBytes      ... or sooner once it grew by this much
     * @param maxOutputFiles      most files in outputs/
     * @param maxOutputBytes      most bytes in outputs/, all files together
     */
    record Settings(Duration requirementsTimeout, Duration logUploadInterval, long logUploadBytes, int maxOutputFiles,
                    long maxOutputBytes, long logMaxBytes) {
    }

    private final Assignment assignment;
    private final String workerId;
    private final Path workRoot;
    private final ContainerRuntime runtime;
    private final ExecutionStorage storage;
    private final EventPublisher publisher;
    private final AttemptLogs logs;
    /** Called with the terminal report once it is out (or, abandoned, not sent), before the clean-up. */
    private final Consumer<ExecutionStatusChanged> onDone;
    private final Runnable onCleaned;
    /** Removes what the runs left behind (the script's container), after the report. */
    private final List<Runnable> releases = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Settings settings;
    private final String runId;
    /** Where this run's files come from and go to: presigned URLs and the run's upload policy. */
    private final StorageAccess access;
    /**
     * This run of the attempt (StorageKeys.runPrefix), named by the control plane with its storage
     * access: its log and outputs go below it and every report names it, so another run of the
     * same attempt never overwrites what this one stored.
     */
    private final String run;
    /** Guards the stored log: partial uploads never overwrite the final one. */
    private final Object logUpload = new Object();
    private volatile AttemptLog liveLog;
    private boolean finalLogStored;
    private long uploadedLength = -1;
    private long uploadedAtNanos;
    private boolean partialUploadFailed;
    private volatile boolean cancelled;
    private volatile boolean abandoned;
    /** Why the files could not be fetched, once that is known. */
    private volatile Throwable fetchFailure;

    AttemptRunner(Assignment assignment, String workerId, Path workRoot, ContainerRuntime runtime,
                  ExecutionStorage storage, EventPublisher publisher, AttemptLogs logs, Settings settings,
                  Consumer<ExecutionStatusChanged> onDone, Runnable onCleaned) {
        this.settings = settings;
        this.assignment = assignment;
        this.workerId = workerId;
        this.workRoot = workRoot;
        this.runtime = runtime;
        this.storage = storage;
        this.publisher = publisher;
        this.logs = logs;
        this.onDone = onDone;
        this.onCleaned = onCleaned;
        this.runId = assignment.executionId() + "-" + assignment.attempt();
        this.access = assignment.storage();
        this.run = access.run();
    }

    /** Hooks the runner into the shared log flusher; see {@link AssignmentService}. */
    interface AttemptLogs {
        void started(AttemptLog log);

        void finished(AttemptLog log);
    }

    Assignment assignment() {
        return assignment;
    }

    /** A user cancelled: stop the script; the attempt ends CANCELLED. */
    void cancel() {
        cancelled = true;
        runtime.kill(runId);
    }

    /**
     * The agent is going away before the attempt finished, or the orchestrator took it back (a
     * stopping fence): kill it and report nothing; the orchestrator requeues it.
     */
    void abandon() {
        abandoned = true;
        runtime.kill(runId);
    }

    @Override
    public void run() {
        PhaseTimes times = new PhaseTimes();
        Path dir = workRoot.resolve(runId);
        Path logFile = workRoot.resolve(runId + ".log");
        ExecutionStatusChanged terminal;
        CompletableFuture<Void> runningReport = CompletableFuture.completedFuture(null);
        try {
            // Goes out while the files are fetched and the container starts; the terminal report
            // waits for it, so the two reach Kafka in order.
            runningReport = publisher.publishStatusAsync(status(ExecutionState.RUNNING, null, null, null));
            AttemptLog log = new AttemptLog(assignment.executionId(), assignment.attempt(), logFile,
                    new LogCap(settings.logMaxBytes()), publisher::publishLog);
            logs.started(log);
            liveLog = log;
            try {
                terminal = execute(dir, log, times);
            } finally {
                logs.finished(log);
                log.close();
            }
            liveLog = null;
        } catch (IOException | RuntimeException e) {
            LOG.errorf(e, "Attempt %s failed inside the agent", runId);
            terminal = status(ExecutionState.FAILED, null, FailureReason.WORKER_ERROR, "worker error: " + e.getMessage());
        } finally {
            synchronized (logUpload) {
                finalLogStored = true; // also when storing failed: no partial upload may start after this
            }
        }
        try {
            if (abandoned) {
                LOG.warnf("Attempt %s abandoned (shutdown, or stopped by a fence); the orchestrator requeues it", runId);
            } else {
                runningReport.join(); // publishStatus never throws; it returns once Kafka has the report
                times.mark("running-report-wait");
                publisher.publishStatus(terminal);
                times.mark("terminal-report");
                LOG.infof("Attempt %s ended %s%s", runId, terminal.state(),
                        terminal.reason() == null ? "" : " (" + terminal.reason() + ")");
            }
        } finally {
            // The outcome is out (and the slot free); the container and files go after, off the
            // path anyone waits on. Draining waits for this too (see AssignmentService).
            onDone.accept(terminal);
            try {
                for (Runnable release : releases) {
                    release.run();
                }
                cleanUp(dir, logFile);
                times.mark("cleanup");
            } finally {
                onCleaned.run();
            }
            if (TIMINGS.isDebugEnabled()) {
                TIMINGS.debugf("attempt %s: %s", runId, times);
            }
        }
    }

    /** Whether the script ran (so outputs are stored), and the outcome so far. */
    private record Ran(ExecutionStatusChanged status, boolean scriptRan) {
    }

    private ExecutionStatusChanged execute(Path dir, AttemptLog log, PhaseTimes times) {
        Ran ran = runScript(dir, log, times);
        return store(dir, log, ran, times);
    }

    private Ran runScript(Path dir, AttemptLog log, PhaseTimes times) {
        if (cancelled) {
            return new Ran(cancelledStatus(null), false);
        }
        FutureTask<Void> fetch;
        try {
            WorkDirs.deleteTree(dir); // a leftover of an earlier try of the same attempt
            Files.createDirectories(dir.resolve(RunRequest.INPUTS));
            Files.createDirectories(dir.resolve(RunRequest.OUTPUTS));
        } catch (IOException e) {
            return fetchFailed(log, e);
        }
        // The files come from storage while the engine checks the image and creates the
        // container (which needs the directories only); the container starts once they are here.
        long fetchStart = System.nanoTime();
        fetch = new FutureTask<>(() -> {
            fetchFiles(dir);
            times.parallel("fetch", fetchStart);
            return null;
        });
        Thread.ofVirtual().name("rgrid-fetch-" + runId).start(fetch);
        ExecutionSpec spec = assignment.spec();
        Map<String, String> labels = Map.of(
                DockerRuntime.LABEL_EXECUTION_ID, assignment.executionId().toString(),
                DockerRuntime.LABEL_ATTEMPT, Integer.toString(assignment.attempt()),
                DockerRuntime.LABEL_WORKER_ID, workerId);
        ContainerRuntime.BeforeStart filesFetched = () -> awaitFetch(fetch);
        if (assignment.requirementsKey() != null && !assignment.requirementsKey().isBlank()) {
            // pip needs requirements.txt and the inputs: no overlap here.
            try {
                filesFetched.await();
            } catch (RunFailedException e) {
                return fetchFailedOrCancelled(log);
            }
            if (cancelled) {
                return new Ran(cancelledStatus(null), false);
            }
            ExecutionStatusChanged failed = installRequirements(dir, spec, labels, log);
            times.mark("requirements");
            if (failed != null) {
                return new Ran(failed, false);
            }
            if (cancelled) {
                return new Ran(cancelledStatus(null), false);
            }
        }
        RunRequest request = new RunRequest(runId, dir, spec.image(), spec.args(), spec.env(), spec.cpus(),
                spec.memoryMb(), Duration.ofSeconds(spec.timeoutSeconds()), spec.network(), labels);
        RunResult result;
        try {
            ContainerRuntime.Finished finished = runtime.runKeeping(request, log, filesFetched);
            releases.add(finished.release());
            result = finished.result();
        } catch (RunFailedException e) {
            try {
                fetch.get(); // not left writing into the directory that is removed next
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException ignored) {
                // reported below when it is why the run failed
            }
            if (fetchFailure != null || cancelled) {
                return fetchFailedOrCancelled(log);
            }
            log.system(e.getMessage());
            return new Ran(status(ExecutionState.FAILED, null, e.reason(), e.getMessage()), false);
        } finally {
            times.mark("container");
        }
        ExecutionStatusChanged outcome = outcome(result, spec);
        if (outcome.state() == ExecutionState.TIMED_OUT) {
            log.system("killed after the timeout of " + spec.timeoutSeconds() + " s");
        } else if (outcome.reason() == FailureReason.OOM_KILLED) {
            log.system("killed for exceeding " + memoryLimit(spec) + ": " + result.memory().evidence() + "; "
                    + raiseMemoryHint(spec));
        } else if (result.memory().outcome() == OomDecision.Outcome.SURVIVED) {
            log.system("a process of this run was killed for exceeding " + memoryLimit(spec) + ": "
                    + result.memory().evidence() + "; the script still exited 0");
        }
        return new Ran(outcome, true);
    }

    /**
     * Stores the outputs (when the script ran) and the complete log, the two at the same time;
     * returns once both are stored (or failed), with the outcome they leave. The limits are
     * checked first, so the log says when nothing was stored because of them.
     */
    private ExecutionStatusChanged store(Path dir, AttemptLog log, Ran ran, PhaseTimes times) {
        ExecutionStatusChanged outcome = ran.status();
        List<OutputFile> files = List.of();
        Path outputs = dir.resolve(RunRequest.OUTPUTS);
        if (ran.scriptRan()) {
            try {
                OutputScan scan = scanOutputs(outputs, log);
                if (scan.overLimit() != null) {
                    log.system(scan.overLimit());
                    if (outcome.state() == ExecutionState.SUCCEEDED) {
                        outcome = status(ExecutionState.FAILED, 0, FailureReason.OUTPUT_LIMIT, scan.overLimit());
                    }
                    // A script that failed on its own keeps its reason.
                } else {
                    files = scan.files();
                }
            } catch (IOException | RuntimeException e) {
                outcome = outputsNotStored(log, outcome, e.getMessage());
            }
        }
        times.mark("output-scan");
        FutureTask<Void> upload = null;
        if (!files.isEmpty()) {
            List<OutputFile> toUpload = files;
            long uploadStart = System.nanoTime();
            upload = new FutureTask<>(() -> {
                uploadOutputs(toUpload);
                times.parallel("outputs-upload", uploadStart);
                return null;
            });
            Thread.ofVirtual().name("rgrid-outputs-" + runId).start(upload);
        }
        ExecutionStatusChanged stored = storeLog(log, outcome);
        if (upload != null) {
            try {
                upload.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                outcome = outputsNotStored(log, outcome, "interrupted");
                stored = storeLog(log, outcome);
            } catch (ExecutionException e) {
                outcome = outputsNotStored(log, outcome, e.getCause().getMessage());
                // The log got a line more: store it again (the outputs' failure is the reason to report).
                stored = storeLog(log, outcome);
            }
        }
        times.mark(upload == null ? "log-upload" : "log+outputs-upload");
        return stored;
    }

    /** Waits for the files; fails the run (it does not start) when they could not be fetched or it was cancelled. */
    private void awaitFetch(FutureTask<Void> fetch) throws RunFailedException {
        try {
            fetch.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fetchFailure = e;
            throw new RunFailedException(FailureReason.INPUT_UNAVAILABLE, "interrupted while fetching the files", e);
        } catch (ExecutionException e) {
            fetchFailure = e.getCause();
            throw new RunFailedException(FailureReason.INPUT_UNAVAILABLE, e.getCause().getMessage(), e.getCause());
        }
        if (cancelled) {
            throw new RunFailedException(FailureReason.CANCELLED, "cancelled on request", null);
        }
    }

    private Ran fetchFailedOrCancelled(AttemptLog log) {
        if (fetchFailure != null) {
            return fetchFailed(log, fetchFailure);
        }
        return new Ran(cancelledStatus(null), false);
    }

    private Ran fetchFailed(AttemptLog log, Throwable e) {
        log.system("could not fetch the execution's files: " + e.getMessage());
        return new Ran(status(ExecutionState.FAILED, null, FailureReason.INPUT_UNAVAILABLE, e.getMessage()), false);
    }

    private ExecutionStatusChanged outputsNotStored(AttemptLog log, ExecutionStatusChanged outcome, String why) {
        log.system("could not store the outputs: " + why);
        if (outcome.state() == ExecutionState.SUCCEEDED) {
            return status(ExecutionState.FAILED, 0, FailureReason.WORKER_ERROR,
                    "the script succeeded but its outputs could not be stored: " + why);
        }
        return outcome;
    }

    /**
     * Runs {@code pip install --target .deps -r requirements.txt} in the execution's own image,
     * limits and network mode, before the script; the script then finds the packages on
     * PYTHONPATH. With network none pip looks nowhere but the inputs ({@code --no-index
     * --find-links inputs}), so wheels shipped as inputs install by path or by name.
     *
     * @return the terminal status when the install failed (or was cancelled), else null
     */
    private ExecutionStatusChanged installRequirements(Path dir, ExecutionSpec spec, Map<String, String> labels,
                                                       AttemptLog log) {
        List<String> pip = new ArrayList<>(List.of("-m", "pip", "install", "--no-cache-dir",
                "--disable-pip-version-check", "--no-input", "--no-warn-script-location", "--progress-bar", "off",
                "--target", RunRequest.DEPS, "-r", RunRequest.REQUIREMENTS));
        if (spec.network() == NetworkMode.NONE) {
            pip.addAll(List.of("--no-index", "--find-links", RunRequest.INPUTS));
        }
        Duration timeout = settings.requirementsTimeout();
        log.system("installing requirements.txt (time limit " + timeout.toSeconds() + " s)");
        Map<String, String> phaseLabels = new HashMap<>(labels);
        phaseLabels.put(DockerRuntime.LABEL_PHASE, "requirements");
        RunRequest install = new RunRequest(runId, dir, spec.image(), List.of(), spec.env(), spec.cpus(),
                spec.memoryMb(), timeout, spec.network(), phaseLabels, pip);
        // pip's output is the agent's doing, not the script's: SYSTEM lines, prefixed.
        OutputListener asSystem = (stream, text) -> log.onOutput(LogStream.SYSTEM, prefixLines(text, "[rgrid] pip: "));
        long started = System.nanoTime();
        RunResult result;
        try {
            result = runtime.run(install, asSystem);
        } catch (RunFailedException e) {
            log.system(e.getMessage());
            return status(ExecutionState.FAILED, null, e.reason(), e.getMessage());
        }
        if (cancelled) {
            return cancelledStatus(null);
        }
        String problem = null;
        if (result.timedOut()) {
            problem = "installing requirements.txt took longer than its limit of " + timeout.toSeconds() + " s";
        } else if (result.oomKilled()) {
            problem = "installing requirements.txt exceeded " + memoryLimit(spec) + "; " + raiseMemoryHint(spec);
        } else if (result.killed()) {
            problem = "installing requirements.txt was stopped";
        } else if (result.exitCode() != 0) {
            problem = "installing requirements.txt failed (pip exited with code " + result.exitCode()
                    + "; its output is in the log)";
        }
        if (problem != null) {
            log.system(problem);
            return status(ExecutionState.FAILED, null, FailureReason.REQUIREMENTS_FAILED, problem);
        }
        log.system(String.format(java.util.Locale.ROOT, "requirements installed in %.1f s",
                (System.nanoTime() - started) / 1e9));
        return null;
    }

    static String prefixLines(String text, String prefix) {
        StringBuilder out = new StringBuilder(text.length() + prefix.length());
        int start = 0;
        while (start < text.length()) {
            int nl = text.indexOf('\n', start);
            int end = nl < 0 ? text.length() : nl + 1;
            out.append(prefix).append(text, start, end);
            start = end;
        }
        if (!text.endsWith("\n")) {
            out.append('\n');
        }
        return out.toString();
    }

    /**
     * Called about once a second while the attempt runs: stores the log so far under the final
     * log key when it grew and the interval (or the size trigger) says so. The key is rewritten;
     * the final upload replaces it with the complete log.
     */
    void uploadPartialLog() {
        AttemptLog log = liveLog;
        if (log == null) {
            return;
        }
        synchronized (logUpload) {
            if (finalLogStored) {
                return;
            }
            try {
                long length = log.flushedLength();
                if (length == uploadedLength) {
                    return;
                }
                long now = System.nanoTime();
                long since = now - uploadedAtNanos;
                boolean due = uploadedLength < 0 && length > 0 || since >= settings.logUploadInterval().toNanos()
                        || length - Math.max(0, uploadedLength) >= settings.logUploadBytes()
                        && since >= MIN_UPLOAD_GAP.toNanos();
                if (!due) {
                    return;
                }
                storage.upload(access, StorageKeys.log(assignment.executionId(), assignment.attempt(), run),
                        log.file(), length);
                uploadedLength = length;
                uploadedAtNanos = now;
                partialUploadFailed = false;
            } catch (StorageException | IOException | RuntimeException e) {
                if (!partialUploadFailed) {
                    LOG.warnf("Partial log of %s not stored (will retry): %s", runId, e.getMessage());
                    partialUploadFailed = true;
                }
            }
        }
    }

    private ExecutionStatusChanged outcome(RunResult result, ExecutionSpec spec) {
        if (result.killed() && cancelled) {
            return cancelledStatus(result.exitCode());
        }
        if (result.timedOut()) {
            return status(ExecutionState.TIMED_OUT, result.exitCode(), FailureReason.TIMEOUT,
                    "ran longer than its timeout of " + spec.timeoutSeconds() + " s");
        }
        if (result.oomKilled()) {
            return status(ExecutionState.FAILED, result.exitCode(), FailureReason.OOM_KILLED,
                    "exceeded " + memoryLimit(spec) + "; " + raiseMemoryHint(spec));
        }
        if (result.exitCode() == 0) {
            return status(ExecutionState.SUCCEEDED, 0, null, null);
        }
        return status(ExecutionState.FAILED, result.exitCode(), FailureReason.NONZERO_EXIT,
                "the script exited with code " + result.exitCode());
    }

    /** "the memory limit of 64 MiB (--memory 64m)": the limit as the user set it. */
    private static String memoryLimit(ExecutionSpec spec) {
        return "the memory limit of " + spec.memoryMb() + " MiB (--memory " + MemorySize.format(spec.memoryMb()) + ")";
    }

    /** How to give the run more: twice the limit, in the flag's own form. */
    private static String raiseMemoryHint(ExecutionSpec spec) {
        int doubled = (int) Math.min(Integer.MAX_VALUE, spec.memoryMb() * 2L);
        return "give it more with rgrid run --memory " + MemorySize.format(doubled) + " (or less data per run)";
    }

    /** Fetches the script, inputs and requirements.txt into the (existing, empty) attempt directory. */
    private void fetchFiles(Path dir) throws StorageException, IOException {
        storage.download(access.scriptUrl(), dir.resolve(RunRequest.SCRIPT), "the script " + assignment.scriptKey());
        for (Map.Entry<String, String> input : access.inputUrls().entrySet()) {
            Path file = dir.resolve(RunRequest.INPUTS).resolve(input.getKey());
            storage.download(input.getValue(), file, "input " + assignment.inputKeys().get(input.getKey()));
            // Scripts commonly open their inputs by bare name, so /work (the working dir) has them too.
            if (!RESERVED.contains(input.getKey())) {
                Path alias = dir.resolve(input.getKey());
                try {
                    Files.createLink(alias, file);
                } catch (IOException | UnsupportedOperationException e) {
                    Files.copy(file, alias);
                }
            }
        }
        if (access.requirementsUrl() != null) {
            storage.download(access.requirementsUrl(), dir.resolve("requirements.txt"), assignment.requirementsKey());
        }
    }

    /** A file to store and its output name: its path below outputs/, with '/' between folders. */
    private record OutputFile(Path path, String name) {
    }

    /**
     * The files to upload: every regular file under outputs/ whose name keeps {@link OutputNames}'
     * rule, or why none is stored because they are over the file or byte limit.
     */
    private record OutputScan(List<OutputFile> files, String overLimit) {
    }

    /**
     * Walks outputs/ without following links. Symbolic links, and files whose name breaks the rule
     * (here: a backslash, as in a file named {@code ..\..\x}, the only way a '..' gets into a name
     * on Linux), are not stored, each with a line in the log; the rest is, and the run ends as the
     * script ended.
     */
    private OutputScan scanOutputs(Path outputs, AttemptLog log) throws IOException {
        if (!Files.isDirectory(outputs, LinkOption.NOFOLLOW_LINKS)) {
            return new OutputScan(List.of(), null);
        }
        List<Path> found;
        try (Stream<Path> walk = Files.walk(outputs)) {
            found = walk.filter(p -> !p.equals(outputs)).sorted().toList();
        }
        List<OutputFile> files = new ArrayList<>();
        long bytes = 0;
        for (Path path : found) {
            String name = outputName(outputs, path);
            if (Files.isSymbolicLink(path)) {
                log.system("outputs/" + OutputNames.printable(name) + " is a symbolic link: not followed, not stored");
            } else if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
                String problem = OutputNames.problem(name);
                if (problem != null) {
                    log.system("output not stored: " + problem
                            + " (an output name may not be absolute, have a '..' segment or contain a backslash)");
                } else {
                    files.add(new OutputFile(path, name));
                    bytes += Files.size(path);
                }
            }
        }
        if (files.size() > settings.maxOutputFiles() || bytes > settings.maxOutputBytes()) {
            return new OutputScan(List.of(), String.format(java.util.Locale.ROOT,
                    "outputs over the limit: %d files of %d bytes in total "
                            + "(this worker stores at most %d files and %d bytes); no output was stored",
                    files.size(), bytes, settings.maxOutputFiles(), settings.maxOutputBytes()));
        }
        return new OutputScan(files, null);
    }

    /** The path of {@code file} below {@code outputs}, segment by segment: a backslash in a file name stays one. */
    private static String outputName(Path outputs, Path file) {
        StringBuilder name = new StringBuilder();
        for (Path segment : outputs.relativize(file)) {
            name.append(name.isEmpty() ? "" : "/").append(segment);
        }
        return name.toString();
    }

    /**
     * Uploads the files, keyed by their output names below this run's prefix. The run's policy
     * allows no delete: when an upload fails midway the files stored so far stay, and the attempt
     * reports the failure (FAILED, WORKER_ERROR when the script succeeded), so they never count
     * as the outputs of a success.
     */
    private void uploadOutputs(List<OutputFile> files) throws StorageException {
        for (OutputFile file : files) {
            storage.upload(access, StorageKeys.output(assignment.executionId(), assignment.attempt(), run, file.name()),
                    file.path());
        }
    }

    /** Stores the complete log (written so far: the script has ended) under the attempt's log key. */
    private ExecutionStatusChanged storeLog(AttemptLog log, ExecutionStatusChanged terminal) {
        try {
            synchronized (logUpload) {
                finalLogStored = true;
                log.flush(); // the last live chunk too
                long length = log.flushedLength();
                // The report carries what is stored, so whoever shows the log can tell it is whole.
                ExecutionStatusChanged withLog = terminal.withLog(length, log.lastSeq());
                if (length == uploadedLength) {
                    return withLog; // a partial upload stored exactly this already (same file, same length)
                }
                storage.upload(access, StorageKeys.log(assignment.executionId(), assignment.attempt(), run), log.file(),
                        length);
                uploadedLength = length;
                return withLog;
            }
        } catch (StorageException | IOException e) {
            LOG.errorf("Log of %s not stored: %s", runId, e.getMessage());
            if (terminal.state() == ExecutionState.SUCCEEDED) {
                return status(ExecutionState.FAILED, 0, FailureReason.WORKER_ERROR,
                        "the script succeeded but its log could not be stored: " + e.getMessage());
            }
            return terminal;
        }
    }

    private void cleanUp(Path dir, Path logFile) {
        try {
            WorkDirs.deleteTree(dir);
            Files.deleteIfExists(logFile);
        } catch (IOException e) {
            LOG.warnf("Could not remove the work files of %s: %s", runId, e.getMessage());
        }
    }

    private ExecutionStatusChanged cancelledStatus(Integer exitCode) {
        return status(ExecutionState.CANCELLED, exitCode, FailureReason.CANCELLED, "cancelled on request");
    }

    private ExecutionStatusChanged status(ExecutionState state, Integer exitCode, FailureReason reason, String message) {
        return new ExecutionStatusChanged(assignment.executionId(), assignment.attempt(), state, workerId, exitCode,
                reason, message, workerId, Instant.now()).withRun(run);
    }
}
