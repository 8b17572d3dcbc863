package io.rgrid.worker.assignment.service;

import io.rgrid.model.ExecutionSpec;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.FailureReason;
import io.rgrid.model.agent.Assignment;
import io.rgrid.model.agent.ContainerLabels;
import io.rgrid.model.event.ExecutionStatusChanged;
import io.rgrid.model.storage.StorageKeys;
import io.rgrid.worker.assignment.service.OutcomeDecision.Verdict;
import io.rgrid.worker.kafka.EventPublisher;
import io.rgrid.worker.kafka.ReportSigner;
import io.rgrid.worker.runtime.ContainerRuntime;
import io.rgrid.worker.runtime.RunFailedException;
import io.rgrid.worker.runtime.RunRequest;
import io.rgrid.worker.runtime.RunResult;
import io.rgrid.worker.runtime.WorkDirs;
import io.rgrid.worker.storage.ExecutionStorage;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Carries one attempt from RUNNING to its terminal report: fetch the files, run, store the log
 * and outputs, report, clean up. The terminal report goes out after the log and outputs are
 * stored, so whoever sees it can fetch them.
 */
final class AttemptRunner implements Runnable {

    private static final Logger LOG = Logger.getLogger(AttemptRunner.class);
    /** Per-phase timings of each attempt at DEBUG (see bench/worker-overhead.sh). */
    private static final Logger TIMINGS = Logger.getLogger("io.rgrid.worker.timings");

    /**
     * Limits and timings of one attempt, from {@code WorkerConfig}.
     *
     * @param requirementsTimeout deadline of the pip install of requirements.txt
     * @param logUploadInterval   the running log is rewritten to S3 at least this often when it grew
     * @param logUploadBytes      ... or sooner once it grew by this much
     * @param maxOutputFiles      most files in outputs/
     * @param maxOutputBytes      most bytes in outputs/, all files together
     * @param logMaxBytes         the log's cap
     * @param uploadRetry         how long the final log and output uploads are retried
     */
    record Settings(Duration requirementsTimeout, Duration logUploadInterval, long logUploadBytes, int maxOutputFiles,
                    long maxOutputBytes, long logMaxBytes, UploadRetryPolicy uploadRetry) {
    }

    private final Assignment assignment;
    private final String workerId;
    private final Path workRoot;
    private final ContainerRuntime runtime;
    private final ExecutionStorage storage;
    private final EventPublisher publisher;
    private final AttemptLogs logs;
    /** The service's side of this attempt's end: the claim of the report, the outcome, the clean-up. */
    private final Ending ending;
    /** Removes what the runs left behind (the script's container), after the report. */
    private final List<Runnable> releases = new CopyOnWriteArrayList<>();
    private final Settings settings;
    private final String runId;
    /**
     * This run of the attempt (StorageKeys.runPrefix), named by the control plane with its storage
     * access: its log and outputs go below it and every report names it, so another run of the
     * same attempt never overwrites what this one stored.
     */
    private final String run;
    /** Stores the log (while running and at the end) and the outputs. */
    private final AttemptUploads uploads;
    /** The fetch's retries while the store does not answer: given up on a cancel or when abandoned. */
    private final StoreRetries fetchRetries;
    private volatile AttemptLog liveLog;
    private volatile boolean cancelled;
    private volatile boolean abandoned;
    /** Why the files could not be fetched, once that is known. */
    private volatile Throwable fetchFailure;

    /** Signs this attempt's reports and log chunks with the assignment's attempt key. */
    private final ReportSigner signer;

    AttemptRunner(Assignment assignment, String workerId, Path workRoot, ContainerRuntime runtime,
                  ExecutionStorage storage, EventPublisher publisher, AttemptLogs logs, Settings settings,
                  Ending ending) {
        this.settings = settings;
        this.assignment = assignment;
        this.workerId = workerId;
        this.workRoot = workRoot;
        this.runtime = runtime;
        this.storage = storage;
        this.publisher = publisher;
        this.logs = logs;
        this.ending = ending;
        this.runId = assignment.executionId() + "-" + assignment.attempt();
        this.run = assignment.storage().run();
        this.uploads = new AttemptUploads(storage, assignment, runId, settings);
        this.fetchRetries = new StoreRetries(settings.uploadRetry(), runId, StoreRetries.Phase.FETCH);
        this.signer = ReportSigner.attempt(workerId, assignment.reportKeys().get(workerId));
    }

    /**
     * How the end of the attempt meets {@link AssignmentService}'s bookkeeping (under its lock).
     *
     * @param claimReport claims the terminal report ({@link AttemptEndDecision#mayReport}): false
     *                    when a stopping fence or the drain abandoned the attempt first, and then no
     *                    report goes out; once claimed, a stopping fence answers "finished" and
     *                    leaves the attempt to its report
     * @param done        the terminal report is out (or, abandoned, not sent); before the clean-up
     * @param cleaned     the container and files are gone
     */
    record Ending(BooleanSupplier claimReport, Consumer<ExecutionStatusChanged> done, Runnable cleaned) {
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
        fetchRetries.stop();
        runtime.kill(runId);
    }

    /**
     * The agent is going away before the attempt finished, or the orchestrator took it back (a
     * stopping fence): kill it and report nothing; the orchestrator requeues it.
     */
    void abandon() {
        abandoned = true;
        fetchRetries.stop();
        uploads.stop();
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
            runningReport = publisher.publishStatusAsync(status(ExecutionState.RUNNING, null, null, null), signer);
            AttemptLog log = new AttemptLog(assignment.executionId(), assignment.attempt(), logFile,
                    new LogCap(settings.logMaxBytes()), chunk -> publisher.publishLog(chunk, signer));
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
            uploads.endPartialUploads(); // also when storing failed: no partial upload may start after this
        }
        try {
            if (abandoned || !ending.claimReport().getAsBoolean()) {
                LOG.warnf("Attempt %s abandoned (shutdown, or stopped by a fence); the orchestrator requeues it", runId);
            } else {
                runningReport.join(); // publishStatus never throws; it returns once Kafka has the report
                times.mark("running-report-wait");
                publisher.publishStatus(terminal, signer);
                times.mark("terminal-report");
                LOG.infof("Attempt %s ended %s%s", runId, terminal.state(),
                        terminal.reason() == null ? "" : " (" + terminal.reason() + ")");
            }
        } finally {
            // The outcome is out (and the slot free); the container and files go after, off the
            // path anyone waits on. Draining waits for this too (see AssignmentService).
            ending.done().accept(terminal);
            try {
                for (Runnable release : releases) {
                    release.run();
                }
                cleanUp(dir, logFile);
                times.mark("cleanup");
            } finally {
                ending.cleaned().run();
            }
            if (TIMINGS.isDebugEnabled()) {
                TIMINGS.debugf("attempt %s: %s", runId, times);
            }
        }
    }

    /** Whether the script ran (so outputs are stored), and the outcome so far. */
    private record Ran(Verdict verdict, boolean scriptRan) {
    }

    private ExecutionStatusChanged execute(Path dir, AttemptLog log, PhaseTimes times) {
        Ran ran = runScript(dir, log, times);
        AttemptUploads.Stored stored = uploads.store(dir, log, ran.verdict(), ran.scriptRan(), times);
        ExecutionStatusChanged terminal = status(stored.verdict());
        return stored.log() == null ? terminal : terminal.withLog(stored.log().length(), stored.log().lastSeq());
    }

    private Ran runScript(Path dir, AttemptLog log, PhaseTimes times) {
        if (cancelled) {
            return new Ran(Verdict.cancelled(null), false);
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
            AttemptFiles.fetch(storage, assignment, dir, fetchRetries);
            times.parallel("fetch", fetchStart);
            return null;
        });
        Thread.ofVirtual().name("rgrid-fetch-" + runId).start(fetch);
        ExecutionSpec spec = assignment.spec();
        Map<String, String> labels = Map.of(
                ContainerLabels.EXECUTION_ID, assignment.executionId().toString(),
                ContainerLabels.ATTEMPT, Integer.toString(assignment.attempt()),
                ContainerLabels.WORKER_ID, workerId);
        ContainerRuntime.BeforeStart filesFetched = () -> awaitFetch(fetch);
        if (assignment.requirementsKey() != null && !assignment.requirementsKey().isBlank()) {
            // pip needs requirements.txt and the inputs: no overlap here.
            try {
                filesFetched.await();
            } catch (RunFailedException e) {
                return fetchFailedOrCancelled(log);
            }
            if (cancelled) {
                return new Ran(Verdict.cancelled(null), false);
            }
            Verdict failed = new RequirementsInstall(runtime, settings.requirementsTimeout())
                    .install(runId, dir, spec, labels, log, () -> cancelled);
            times.mark("requirements");
            if (failed != null) {
                return new Ran(failed, false);
            }
            if (cancelled) {
                return new Ran(Verdict.cancelled(null), false);
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
            return new Ran(Verdict.failed(null, e.reason(), e.getMessage()), false);
        } finally {
            times.mark("container");
        }
        Verdict outcome = OutcomeDecision.ofRun(result, cancelled, spec);
        if (outcome.logLine() != null) {
            log.system(outcome.logLine());
        }
        return new Ran(outcome, true);
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

    /** A cancel wins: it also ends a fetch that was retrying. */
    private Ran fetchFailedOrCancelled(AttemptLog log) {
        if (cancelled || fetchFailure == null) {
            return new Ran(Verdict.cancelled(null), false);
        }
        return fetchFailed(log, fetchFailure);
    }

    private Ran fetchFailed(AttemptLog log, Throwable e) {
        log.system("could not fetch the execution's files: " + e.getMessage());
        return new Ran(Verdict.failed(null, FailureReason.INPUT_UNAVAILABLE, e.getMessage()), false);
    }

    /** Called about once a second while the attempt runs: see {@link AttemptUploads#uploadPartialLog}. */
    void uploadPartialLog() {
        AttemptLog log = liveLog;
        if (log != null) {
            uploads.uploadPartialLog(log);
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

    private ExecutionStatusChanged status(Verdict verdict) {
        return status(verdict.state(), verdict.exitCode(), verdict.reason(), verdict.message());
    }

    private ExecutionStatusChanged status(ExecutionState state, Integer exitCode, FailureReason reason, String message) {
        return new ExecutionStatusChanged(assignment.executionId(), assignment.attempt(), state, workerId, exitCode,
                reason, message, workerId, Instant.now()).withRun(run);
    }
}
