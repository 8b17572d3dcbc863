package io.rgrid.worker.kafka;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Whether Kafka takes the agent's messages, as the outcomes of its sends tell, and so when to say
 * so: the first failed send after a delivered one starts an outage (one WARN), the first delivered
 * send after failed ones ends it (one INFO with its length and how many sends failed), instead of a
 * line per failed send. Pure: the caller gives the time. Thread-safe.
 */
final class KafkaOutage {

    /** An outage that just ended. */
    record Ended(Duration lasted, long failedSends) {
    }

    private Instant since;
    private long failedSends;

    /** A send failed at {@code now}; true when this starts an outage (the one moment to warn). */
    synchronized boolean failed(Instant now) {
        failedSends++;
        if (since != null) {
            return false;
        }
        since = now;
        return true;
    }

    /** A send was delivered at {@code now}; the outage this ends, if one was going on. */
    synchronized Optional<Ended> delivered(Instant now) {
        if (since == null) {
            return Optional.empty();
        }
        Ended ended = new Ended(Duration.between(since, now), failedSends);
        since = null;
        failedSends = 0;
        return Optional.of(ended);
    }
}
