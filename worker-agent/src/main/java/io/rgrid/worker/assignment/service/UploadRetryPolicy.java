package io.rgrid.worker.assignment.service;

import java.time.Duration;
import java.util.Optional;

/**
 * How long the agent keeps trying to store an attempt's log and outputs while the object store
 * does not answer (connection refused or reset, HTTP 5xx or 429): the files are still on disk, so
 * a brief outage of the store must not turn a success into FAILED. A refusal (4xx: an expired or
 * violated upload policy) is final at once. Waits double from {@code backoff} up to
 * {@code maxBackoff}; after {@code attempts} tries the upload fails with what the last one said.
 *
 * @param attempts   tries in all, at least 1 (1: no retry)
 * @param backoff    the wait after the first failure
 * @param maxBackoff the longest wait between two tries
 */
public record UploadRetryPolicy(int attempts, Duration backoff, Duration maxBackoff) {

    public UploadRetryPolicy {
        if (attempts < 1) {
            throw new IllegalArgumentException("rgrid.worker.upload-retry.attempts must be at least 1, not " + attempts);
        }
        if (backoff.isNegative() || maxBackoff.compareTo(backoff) < 0) {
            throw new IllegalArgumentException("rgrid.worker.upload-retry: backoff " + backoff
                    + " must be at least 0 and at most max-backoff " + maxBackoff);
        }
    }

    /**
     * The wait before the next try, after {@code failedTries} tries failed in a row for a reason
     * worth retrying; empty when that was the last try.
     */
    public Optional<Duration> delayAfter(int failedTries) {
        if (failedTries < 1 || failedTries >= attempts) {
            return Optional.empty();
        }
        int doublings = Math.min(failedTries - 1, 30); // 2^30 times any backoff is past every cap
        Duration delay = backoff.multipliedBy(1L << doublings);
        return Optional.of(delay.compareTo(maxBackoff) > 0 ? maxBackoff : delay);
    }

    /** The sum of every wait when each try fails: how long the store may be away before an upload fails. */
    public Duration patience() {
        Duration total = Duration.ZERO;
        for (int failed = 1; failed < attempts; failed++) {
            total = total.plus(delayAfter(failed).orElseThrow());
        }
        return total;
    }
}
