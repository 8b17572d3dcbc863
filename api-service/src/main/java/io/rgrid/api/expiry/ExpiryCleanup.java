package io.rgrid.api.expiry;

import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.Scheduler;
import io.rgrid.api.config.RgridConfig;
import io.rgrid.platform.db.Transactions;
import io.rgrid.api.execution.repository.IdempotencyRepository;
import io.rgrid.api.session.SessionRepository;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;

/**
 * Deletes what has expired, every {@code rgrid.cleanup.interval}: dashboard sessions past their
 * absolute end or idle timeout, and Idempotency-Keys past their retention (published outbox rows
 * are purged by the outbox relay, {@code rgrid.outbox.purge-interval}). Both are already refused or
 * ignored when read: this only keeps the tables from growing. Each batch of at most {@code rgrid.cleanup.batch-size} rows is its own short
 * transaction, and rows another instance is deleting at the same moment are skipped, so several
 * api-service instances may run it at once.
 */
@Singleton
public class ExpiryCleanup {

    private static final Logger LOG = Logger.getLogger(ExpiryCleanup.class);

    /** How many rows a run deleted. */
    public record Deleted(int sessions, int idempotencyKeys) {
    }

    /** One batch: deletes at most {@code limit} rows and says how many it deleted. */
    @FunctionalInterface
    private interface Batch {
        int delete(Connection connection, int limit) throws SQLException;
    }

    private final Transactions tx;
    private final SessionRepository sessions;
    private final IdempotencyRepository idempotency;
    private final RgridConfig config;

    public ExpiryCleanup(Transactions tx, SessionRepository sessions, IdempotencyRepository idempotency,
                         RgridConfig config) {
        this.tx = tx;
        this.sessions = sessions;
        this.idempotency = idempotency;
        this.config = config;
    }

    /**
     * Scheduled here rather than by annotation, after ConfigCheck has refused a non-positive
     * interval; the first run comes one interval after the start.
     */
    void onStart(@Observes StartupEvent event, Scheduler scheduler) {
        Duration interval = config.cleanup().interval();
        scheduler.newJob("rgrid-expiry-cleanup")
                .setInterval(interval.toString())
                .setDelayed(interval.toString())
                .setConcurrentExecution(Scheduled.ConcurrentExecution.SKIP)
                .setTask(execution -> runQuietly())
                .schedule();
    }

    private void runQuietly() {
        try {
            Deleted deleted = run(Instant.now());
            if (deleted.sessions() > 0 || deleted.idempotencyKeys() > 0) {
                LOG.debugf("deleted %d expired dashboard sessions and %d expired Idempotency-Keys", deleted.sessions(),
                        deleted.idempotencyKeys());
            }
        } catch (RuntimeException e) {
            // The next run tries again; reads already ignore expired rows.
            LOG.debugf("expired rows not deleted: %s", e.getMessage());
        }
    }

    /** One run as of {@code now}. */
    public Deleted run(Instant now) {
        Instant idleSince = now.minus(config.dashboard().sessionIdleTimeout());
        Instant keyCutoff = now.minus(config.api().idempotencyKeyRetention());
        return new Deleted(
                inBatches((c, limit) -> sessions.deleteExpired(c, now, idleSince, limit)),
                inBatches((c, limit) -> idempotency.deleteExpired(c, keyCutoff, limit)));
    }

    /** Batches of {@code rgrid.cleanup.batch-size}, each in its own transaction, until one comes back short. */
    private int inBatches(Batch batch) {
        int limit = config.cleanup().batchSize();
        int total = 0;
        int n;
        do {
            n = tx.inTransaction(c -> batch.delete(c, limit));
            total += n;
        } while (n >= limit);
        return total;
    }
}
