package io.rgrid.platform.outbox;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/**
 * {@code rgrid.outbox.*}: the outbox relay's settings, the same keys in api-service and the
 * orchestrator (docs/operations.md lists them for operators).
 */
@ConfigMapping(prefix = "rgrid.outbox")
public interface OutboxConfig {

    /**
     * Rows one pass claims, sends and marks published. All of a pass's records are in flight at
     * once, so keep it at most the channel's {@code max-inflight-messages} (1024 by default).
     */
    @WithDefault("500")
    int batchSize();

    /** How often the relay looks for rows when no commit woke it (catches rows of other instances). */
    @WithDefault("1s")
    Duration pollInterval();

    /** Longest pause between passes while Kafka or the database is unavailable (the pause doubles up to it). */
    @WithDefault("5s")
    Duration maxBackoff();

    /**
     * How long a pass waits for the broker to acknowledge its records before it counts as failed:
     * longer than the producer's own limit (max.block 10 s + delivery timeout 30 s,
     * ProducerSettings), so a record is acknowledged or failed by the producer first.
     */
    @WithDefault("45s")
    Duration sendTimeout();

    /**
     * How long a row stays in the outbox after it was published: long enough to look up what was
     * sent when tracing a delivery, short enough that the table stays small. Rows not yet
     * published are never deleted.
     */
    @WithDefault("24h")
    Duration publishedRetention();

    /** How often the relay deletes rows published longer ago than the retention. */
    @WithDefault("1h")
    Duration purgeInterval();

    default OutboxSettings settings() {
        return new OutboxSettings(batchSize(), pollInterval(), maxBackoff(), sendTimeout(), publishedRetention(),
                purgeInterval());
    }
}
