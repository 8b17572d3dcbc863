package io.rgrid.api.cluster;

import io.quarkus.scheduler.Scheduled;
import io.rgrid.api.config.RgridConfig;
import io.rgrid.platform.db.Transactions;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.time.Instant;

/**
 * Samples the queue depth (QUEUED, ASSIGNED, RUNNING per project and in total) into
 * {@code api.queue_samples} for the dashboard's chart, and drops samples past the retention.
 * The sample time is the current time rounded down to the interval, so instances sharing the
 * database write each sample once and a restart leaves no double points.
 */
@Singleton
public class QueueSampler {

    private static final Logger LOG = Logger.getLogger(QueueSampler.class);

    private final Transactions tx;
    private final ClusterRepository repository;
    private final RgridConfig.Dashboard config;
    private Instant lastPrune = Instant.EPOCH;

    public QueueSampler(Transactions tx, ClusterRepository repository, RgridConfig config) {
        this.tx = tx;
        this.repository = repository;
        this.config = config.dashboard();
    }

    @Scheduled(every = "${rgrid.dashboard.queue-sample-interval:15s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void sample() {
        Instant now = Instant.now();
        try {
            sampleAt(now);
            if (now.isAfter(lastPrune.plusSeconds(600))) {
                lastPrune = now;
                tx.inTransaction(c -> repository.deleteQueueSamplesBefore(c, now.minus(config.queueSampleRetention())));
            }
        } catch (RuntimeException e) {
            LOG.debugf("queue sample not stored: %s", e.getMessage());
        }
    }

    /** Stores the sample of the interval {@code now} falls in. */
    public void sampleAt(Instant now) {
        long interval = Math.max(1, config.queueSampleInterval().toMillis());
        Instant at = Instant.ofEpochMilli(Math.floorDiv(now.toEpochMilli(), interval) * interval);
        tx.inTransaction(c -> {
            repository.insertQueueSample(c, at);
            return null;
        });
    }
}
