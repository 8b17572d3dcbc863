package io.rgrid.platform.outbox;

import java.time.Duration;

/**
 * How a relay paces itself (from {@link OutboxConfig} in the services, written out in tests).
 *
 * @param batchSize         rows claimed, sent and marked per pass
 * @param pollInterval      how long an idle relay waits for a wake-up before it looks anyway
 *                          (rows written by other instances wake nobody here)
 * @param maxBackoff        longest pause between passes while Kafka or the database fails
 * @param sendTimeout       how long a pass waits for the broker's acknowledgements
 * @param retention         how long a published row is kept before the purge deletes it
 * @param purgeInterval     how often the relay purges
 */
public record OutboxSettings(int batchSize, Duration pollInterval, Duration maxBackoff, Duration sendTimeout,
                             Duration retention, Duration purgeInterval) {

    /** @throws IllegalArgumentException naming the {@code rgrid.outbox.*} key that is out of range */
    public OutboxSettings {
        if (batchSize < 1 || batchSize > MAX_BATCH) {
            throw new IllegalArgumentException("rgrid.outbox.batch-size must be between 1 and " + MAX_BATCH
                    + " rows (the channel's buffer), not " + batchSize);
        }
        positive("poll-interval", pollInterval);
        positive("max-backoff", maxBackoff);
        positive("send-timeout", sendTimeout);
        positive("published-retention", retention);
        positive("purge-interval", purgeInterval);
    }

    /** A pass's records are all in flight at once: the emitter's buffer and the channel's in-flight limit. */
    public static final int MAX_BATCH = 1024;

    private static void positive(String key, Duration value) {
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException("rgrid.outbox." + key + " must be a positive duration, not " + value);
        }
    }
}
