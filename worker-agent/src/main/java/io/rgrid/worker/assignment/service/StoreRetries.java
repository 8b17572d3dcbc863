package io.rgrid.worker.assignment.service;

import io.rgrid.worker.storage.ExecutionStorage.StorageException;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs a call to the object store again, after a wait, while it fails for a reason worth retrying
 * ({@link StorageException#retryable()}: no answer, 5xx, 429) and the {@link UploadRetryPolicy}
 * has tries left; a refusal (403, 404) is final at once. One instance per phase of an attempt:
 * the fetch of its files gives up when the attempt is cancelled or abandoned, the final uploads
 * only when it is abandoned (a cancelled run's log is still stored).
 */
final class StoreRetries {

    private static final Logger LOG = Logger.getLogger(StoreRetries.class);

    /** One call to the store. */
    interface Call {
        void run() throws StorageException;
    }

    /** What is tried, and what gives it up. */
    enum Phase {
        FETCH("Fetch", "cancelled or abandoned"),
        UPLOAD("Upload", "abandoned");

        private final String name;
        private final String stoppedBy;

        Phase(String name, String stoppedBy) {
            this.name = name;
            this.stoppedBy = stoppedBy;
        }
    }

    private final UploadRetryPolicy policy;
    private final String runId;
    private final Phase phase;
    /** Counted down when the phase is given up: no more retries, no more waiting. */
    private final CountDownLatch stopped = new CountDownLatch(1);

    StoreRetries(UploadRetryPolicy policy, String runId, Phase phase) {
        this.policy = policy;
        this.runId = runId;
        this.phase = phase;
    }

    /** A call waiting to retry gives up now, and no call is retried from here on. */
    void stop() {
        stopped.countDown();
    }

    /**
     * Runs the call until it succeeds, fails for good, or the policy's tries are used up. The last
     * failure says how often and over how long it was tried, and which setting bounds that.
     */
    void run(Call call) throws StorageException {
        long started = System.nanoTime();
        for (int failed = 0; ; ) {
            try {
                call.run();
                if (failed > 0) {
                    LOG.infof("%s of %s succeeded after %d failed tries", phase.name, runId, failed);
                }
                return;
            } catch (StorageException e) {
                failed++;
                if (!e.retryable()) {
                    throw e;
                }
                Duration delay = policy.delayAfter(failed).orElse(null);
                if (delay == null || stopped.getCount() == 0) {
                    throw new StorageException(e.getMessage() + " (tried " + failed + " times over "
                            + Duration.ofNanos(System.nanoTime() - started).toSeconds()
                            + " s; rgrid.worker.upload-retry.attempts is " + policy.attempts() + ")", e, false);
                }
                LOG.warnf("%s of %s failed (try %d of %d), again in %d ms: %s", phase.name, runId, failed,
                        policy.attempts(), delay.toMillis(), e.getMessage());
                if (awaitStop(delay)) {
                    throw new StorageException(e.getMessage() + " (the attempt was " + phase.stoppedBy
                            + " while retrying)", e, false);
                }
            }
        }
    }

    /** Waits {@code delay}, or less when the phase is given up meanwhile: then true. */
    private boolean awaitStop(Duration delay) {
        try {
            return stopped.await(delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }
}
