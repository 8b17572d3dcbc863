package io.rgrid.worker.assignment.service;

import io.rgrid.model.agent.Assignment;
import io.rgrid.model.agent.StorageAccess;
import io.rgrid.model.storage.StorageKeys;
import io.rgrid.worker.assignment.service.AttemptFiles.OutputFile;
import io.rgrid.worker.assignment.service.AttemptFiles.OutputScan;
import io.rgrid.worker.assignment.service.OutcomeDecision.Verdict;
import io.rgrid.worker.runtime.RunRequest;
import io.rgrid.worker.storage.ExecutionStorage;
import io.rgrid.worker.storage.ExecutionStorage.StorageException;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * Stores one run's log and outputs with the run's upload policy: the log so far while the attempt
 * runs (rewritten under its final key), then the complete log and the outputs, the two at the
 * same time. A partial upload never overwrites the final one. The final uploads are retried
 * while the store does not answer ({@link StoreRetries}): the files are still on disk.
 */
final class AttemptUploads {

    private static final Logger LOG = Logger.getLogger(AttemptUploads.class);
    /** A log that grew past the size trigger is still uploaded at most this often. */
    private static final Duration MIN_UPLOAD_GAP = Duration.ofSeconds(1);

    private final ExecutionStorage storage;
    private final Assignment assignment;
    private final StorageAccess access;
    private final String runId;
    private final AttemptRunner.Settings settings;
    /** The final uploads' retries: given up when the attempt is abandoned. */
    private final StoreRetries retries;
    /** Guards the stored log: partial uploads never overwrite the final one. */
    private final Object logUpload = new Object();
    private boolean finalLogStarted;
    private long uploadedLength = -1;
    private long uploadedAtNanos;
    private boolean partialUploadFailed;

    AttemptUploads(ExecutionStorage storage, Assignment assignment, String runId, AttemptRunner.Settings settings) {
        this.storage = storage;
        this.assignment = assignment;
        this.access = assignment.storage();
        this.runId = runId;
        this.settings = settings;
        this.retries = new StoreRetries(settings.uploadRetry(), runId, StoreRetries.Phase.UPLOAD);
    }

    /** What the stored log holds: the terminal report says so, so whoever shows the log can tell it is whole. */
    record StoredLog(long length, long lastSeq) {
    }

    /** The outcome storing leaves, and the log as stored (null when it could not be). */
    record Stored(Verdict verdict, StoredLog log) {
    }

    /** The attempt is abandoned (shutdown, stopping fence): an upload waiting to retry gives up now. */
    void stop() {
        retries.stop();
    }

    /**
     * Called about once a second while the attempt runs: stores the log so far under the final
     * log key when it grew and the interval (or the size trigger) says so. The key is rewritten;
     * the final upload replaces it with the complete log. Not retried: the next call tries again.
     */
    void uploadPartialLog(AttemptLog log) {
        synchronized (logUpload) {
            if (finalLogStarted) {
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
                storage.upload(access, logKey(), log.file(), length);
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

    /** No partial upload starts after this (also when the final one never happens). */
    void endPartialUploads() {
        synchronized (logUpload) {
            finalLogStarted = true;
        }
    }

    /**
     * Stores the outputs (when the script ran) and the complete log, the two at the same time;
     * returns once both are stored (or failed), with the outcome they leave. The limits are
     * checked first, so the log says when nothing was stored because of them.
     */
    Stored store(Path dir, AttemptLog log, Verdict ran, boolean scriptRan, PhaseTimes times) {
        Verdict outcome = ran;
        List<OutputFile> files = List.of();
        if (scriptRan) {
            try {
                OutputScan scan = AttemptFiles.scanOutputs(dir.resolve(RunRequest.OUTPUTS), log,
                        settings.maxOutputFiles(), settings.maxOutputBytes());
                if (scan.overLimit() != null) {
                    log.system(scan.overLimit());
                    outcome = OutcomeDecision.overOutputLimit(outcome, scan.overLimit());
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
        Stored stored = storeLog(log, outcome);
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

    private static Verdict outputsNotStored(AttemptLog log, Verdict outcome, String why) {
        log.system("could not store the outputs: " + why);
        return OutcomeDecision.notStored(outcome, "outputs", why);
    }

    /** Stores the complete log (written so far: the script has ended) under the attempt's log key. */
    private Stored storeLog(AttemptLog log, Verdict outcome) {
        try {
            long length;
            long lastSeq;
            synchronized (logUpload) {
                finalLogStarted = true; // from here on no partial upload starts, so the lock is not needed below
                log.flush(); // the last live chunk too
                length = log.flushedLength();
                lastSeq = log.lastSeq();
                if (length == uploadedLength) {
                    // a partial upload stored exactly this already (same file, same length)
                    return new Stored(outcome, new StoredLog(length, lastSeq));
                }
            }
            retries.run(() -> storage.upload(access, logKey(), log.file(), length));
            synchronized (logUpload) {
                uploadedLength = length;
            }
            return new Stored(outcome, new StoredLog(length, lastSeq));
        } catch (StorageException | IOException e) {
            LOG.errorf("Log of %s not stored: %s", runId, e.getMessage());
            return new Stored(OutcomeDecision.notStored(outcome, "log", e.getMessage()), null);
        }
    }

    /**
     * Uploads the files, keyed by their output names below this run's prefix. The run's policy
     * allows no delete: when an upload fails midway the files stored so far stay, and the attempt
     * reports the failure (FAILED, WORKER_ERROR when the script succeeded), so they never count
     * as the outputs of a success.
     */
    private void uploadOutputs(List<OutputFile> files) throws StorageException {
        for (OutputFile file : files) {
            String key = StorageKeys.output(assignment.executionId(), assignment.attempt(), access.run(), file.name());
            retries.run(() -> storage.upload(access, key, file.path()));
        }
    }

    private String logKey() {
        return StorageKeys.log(assignment.executionId(), assignment.attempt(), access.run());
    }
}
