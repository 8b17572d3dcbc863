package io.rgrid.worker.assignment.service;

import io.rgrid.model.ExecutionSpec;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.FailureReason;
import io.rgrid.model.agent.Assignment;
import io.rgrid.model.event.ExecutionStatusChanged;
import io.rgrid.model.storage.StorageKeys;
import io.rgrid.worker.kafka.EventPublisher;
import io.rgrid.worker.runtime.ContainerRuntime;
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
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Carries one attempt from RUNNING to its terminal report: fetch the files, run, store the log
 * and outputs, report, clean up. The terminal report goes out after the log and outputs are
 * stored, so whoever sees it can fetch them.
 */
final class AttemptRunner implements Runnable {

    private static final Logger LOG = Logger.getLogger(AttemptRunner.class);
    /** Names an input may not take in /work, because the agent's own files live there. */
    private static final Set<String> RESERVED = Set.of(RunRequest.SCRIPT, RunRequest.INPUTS, RunRequest.OUTPUTS,
            "requirements.txt");

    private final Assignment assignment;
    private final String workerId;
    private final Path workRoot;
    private final ContainerRuntime runtime;
    private final ExecutionStorage storage;
    private final EventPublisher publisher;
    private final AttemptLogs logs;
    private final Runnable onDone;
    private final String runId;
    private volatile boolean cancelled;
    private volatile boolean abandoned;

    AttemptRunner(Assignment assignment, String workerId, Path workRoot, ContainerRuntime runtime,
                  ExecutionStorage storage, EventPublisher publisher, AttemptLogs logs, Runnable onDone) {
        this.assignment = assignment;
        this.workerId = workerId;
        this.workRoot = workRoot;
        this.runtime = runtime;
        this.storage = storage;
        this.publisher = publisher;
        this.logs = logs;
        this.onDone = onDone;
        this.runId = assignment.executionId() + "-" + assignment.attempt();
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
     * The agent is going away before the attempt finished: kill it and report nothing; the
     * orchestrator requeues attempts of a worker that left.
     */
    void abandon() {
        abandoned = true;
        runtime.kill(runId);
    }

    @Override
    public void run() {
        Path dir = workRoot.resolve(runId);
        Path logFile = workRoot.resolve(runId + ".log");
        String bucket = storage.bucketOr(assignment.bucket());
        ExecutionStatusChanged terminal;
        try {
            publisher.publishStatus(status(ExecutionState.RUNNING, null, null, null));
            AttemptLog log = new AttemptLog(assignment.executionId(), assignment.attempt(), logFile, publisher::publishLog);
            logs.started(log);
            try {
                terminal = execute(dir, bucket, log);
            } finally {
                logs.finished(log);
                log.close();
            }
            terminal = storeLog(bucket, logFile, terminal);
        } catch (IOException | RuntimeException e) {
            LOG.errorf(e, "Attempt %s failed inside the agent", runId);
            terminal = status(ExecutionState.FAILED, null, FailureReason.WORKER_ERROR, "worker error: " + e.getMessage());
        } finally {
            cleanUp(dir, logFile);
        }
        try {
            if (abandoned) {
                LOG.warnf("Attempt %s abandoned at shutdown; the orchestrator will requeue it", runId);
            } else {
                publisher.publishStatus(terminal);
                LOG.infof("Attempt %s ended %s%s", runId, terminal.state(),
                        terminal.reason() == null ? "" : " (" + terminal.reason() + ")");
            }
        } finally {
            onDone.run();
        }
    }

    private ExecutionStatusChanged execute(Path dir, String bucket, AttemptLog log) {
        if (cancelled) {
            return cancelledStatus(null);
        }
        try {
            fetchFiles(dir, bucket);
        } catch (StorageException | IOException e) {
            log.system("could not fetch the execution's files: " + e.getMessage());
            return status(ExecutionState.FAILED, null, FailureReason.INPUT_UNAVAILABLE, e.getMessage());
        }
        if (cancelled) {
            return cancelledStatus(null);
        }
        ExecutionSpec spec = assignment.spec();
        RunRequest request = new RunRequest(runId, dir, spec.image(), spec.args(), spec.env(), spec.cpus(),
                spec.memoryMb(), Duration.ofSeconds(spec.timeoutSeconds()), spec.network(), Map.of(
                DockerRuntime.LABEL_EXECUTION_ID, assignment.executionId().toString(),
                DockerRuntime.LABEL_ATTEMPT, Integer.toString(assignment.attempt()),
                DockerRuntime.LABEL_WORKER_ID, workerId));
        RunResult result;
        try {
            result = runtime.run(request, log);
        } catch (RunFailedException e) {
            log.system(e.getMessage());
            return status(ExecutionState.FAILED, null, e.reason(), e.getMessage());
        }
        ExecutionStatusChanged outcome = outcome(result, spec);
        if (outcome.state() == ExecutionState.TIMED_OUT) {
            log.system("killed after the timeout of " + spec.timeoutSeconds() + " s");
        } else if (outcome.reason() == FailureReason.OOM_KILLED) {
            log.system("killed for exceeding the memory limit of " + spec.memoryMb() + " MiB");
        }
        log.flush();
        try {
            storeOutputs(dir.resolve(RunRequest.OUTPUTS), bucket);
        } catch (StorageException | IOException e) {
            log.system("could not store the outputs: " + e.getMessage());
            if (outcome.state() == ExecutionState.SUCCEEDED) {
                return status(ExecutionState.FAILED, 0, FailureReason.WORKER_ERROR,
                        "the script succeeded but its outputs could not be stored: " + e.getMessage());
            }
        }
        return outcome;
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
                    "exceeded its memory limit of " + spec.memoryMb() + " MiB");
        }
        if (result.exitCode() == 0) {
            return status(ExecutionState.SUCCEEDED, 0, null, null);
        }
        return status(ExecutionState.FAILED, result.exitCode(), FailureReason.NONZERO_EXIT,
                "the script exited with code " + result.exitCode());
    }

    private void fetchFiles(Path dir, String bucket) throws StorageException, IOException {
        WorkDirs.deleteTree(dir); // a leftover of an earlier try of the same attempt
        Files.createDirectories(dir.resolve(RunRequest.INPUTS));
        Files.createDirectories(dir.resolve(RunRequest.OUTPUTS));
        storage.download(bucket, assignment.scriptKey(), dir.resolve(RunRequest.SCRIPT));
        for (Map.Entry<String, String> input : assignment.inputKeys().entrySet()) {
            Path file = dir.resolve(RunRequest.INPUTS).resolve(input.getKey());
            storage.download(bucket, input.getValue(), file);
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
        if (assignment.requirementsKey() != null && !assignment.requirementsKey().isBlank()) {
            storage.download(bucket, assignment.requirementsKey(), dir.resolve("requirements.txt"));
        }
    }

    /** Uploads every regular file under outputs/, keyed by its path below it. Symlinks are skipped, never followed. */
    private void storeOutputs(Path outputs, String bucket) throws StorageException, IOException {
        if (!Files.isDirectory(outputs, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        List<Path> files;
        try (Stream<Path> walk = Files.walk(outputs)) {
            files = walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).sorted().toList();
        }
        for (Path file : files) {
            String name = outputs.relativize(file).toString().replace('\\', '/');
            storage.upload(bucket, StorageKeys.output(assignment.executionId(), assignment.attempt(), name), file,
                    "application/octet-stream");
        }
    }

    private ExecutionStatusChanged storeLog(String bucket, Path logFile, ExecutionStatusChanged terminal) {
        try {
            storage.upload(bucket, StorageKeys.log(assignment.executionId(), assignment.attempt()), logFile,
                    "text/plain; charset=utf-8");
            return terminal;
        } catch (StorageException e) {
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
                reason, message, workerId, Instant.now());
    }
}
