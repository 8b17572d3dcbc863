package io.rgrid.platform.messaging;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/**
 * How every Kafka consumer of the services retries and dead-letters ({@link BatchConsumer}). The
 * connector settings all channels share (bootstrap servers, commit strategy, static membership)
 * are in this module's {@code META-INF/microprofile-config.properties}; docs/operations.md lists
 * what an operator sets.
 */
@ConfigMapping(prefix = "rgrid.messaging")
public interface MessagingConfig {

    /** Tries of a batch (then of each of its records) that fail for a reason other than the database being down, before the record is dead-lettered. */
    @WithDefault("3")
    int maxAttempts();

    /** First pause before a batch is tried again; doubled after each failure up to {@link #maxRetryPause()}. */
    @WithDefault("200ms")
    Duration retryPause();

    /** Longest pause between two tries (also while the database is down). */
    @WithDefault("5s")
    Duration maxRetryPause();

    /**
     * This instance's name in its consumer groups ({@code group.instance.id}, static membership): a
     * restarted instance takes its partitions back at once instead of after the session timeout.
     * Must differ between the instances of a service and stay the same across a restart of one
     * (env RGRID_MESSAGING_INSTANCE_ID). Default: the host name and the HTTP port ({@link InstanceIdConfigSource}).
     */
    String instanceId();
}
