package io.rgrid.platform.outbox;

import io.rgrid.platform.db.Transactions;
import io.rgrid.platform.signal.RoundLoop;
import io.rgrid.platform.topics.TopicCreator;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * Publishes a service's committed outbox rows to Kafka, oldest first, on a thread of its own.
 *
 * <p>One pass: become the table's relay for the pass (a session advisory lock, so one instance of
 * the service relays at a time and rows leave in id order), read a batch of unpublished rows, hand
 * them all to the producer in id order, await every acknowledgement, and mark the acknowledged
 * rows published in one statement, except those of a key that had a failure before them
 * ({@link PublishedRows}). No transaction is open while the
 * pass waits on Kafka. A failed row is sent again on the next pass with every later row of its
 * key: delayed, never dropped, and the last copy of each of a key's events is in commit order.
 * A later row the producer wrote after an earlier one failed reached Kafka ahead of it (logged as
 * overtaken); consumers are idempotent and ignore the earlier state arriving late.
 *
 * <p>While Kafka or PostgreSQL is down the relay backs off, doubling up to the maximum; writers
 * keep committing to the outbox meanwhile. A {@link #wake()} (after a commit that wrote rows)
 * starts the next pass at once; otherwise the relay looks every poll interval. Every purge
 * interval it deletes rows published longer ago than the retention.
 */
public final class OutboxRelay {

    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);
    private static final Duration MIN_BACKOFF = Duration.ofMillis(100);
    private static final int PURGE_BATCH = 1000;
    private static final Throwable NOT_SENT = new IllegalStateException("not handed over: an earlier row was refused");

    private final Transactions tx;
    private final OutboxStore store;
    private final OutboxSettings settings;
    private final OutboxSender sender;
    private final TopicCreator topics;
    private final Clock clock;
    private final RoundLoop loop;
    /** The loop thread's. */
    private Duration backoff = MIN_BACKOFF;
    private boolean failing;
    private Instant nextPurge;
    /** Whether this instance relays now (always, or while it leads: {@link #start(BooleanSupplier)}). */
    private volatile BooleanSupplier active = () -> true;

    /** @param topics created before the first pass (they may have been missing when the service started) */
    public OutboxRelay(Transactions tx, OutboxTable table, OutboxSettings settings, OutboxSender sender,
                       TopicCreator topics, Clock clock) {
        this.tx = tx;
        this.store = new OutboxStore(table);
        this.settings = settings;
        this.sender = sender;
        this.topics = topics;
        this.clock = clock;
        this.loop = new RoundLoop("rgrid-outbox-relay", settings.sendTimeout().plusSeconds(5), settings::pollInterval,
                this::round, this::backOff);
    }

    /** Starts the relay's thread unless it runs. */
    public void start() {
        start(() -> true);
    }

    /**
     * Starts the relay's thread unless it runs; its passes run only while {@code active} says so
     * (the orchestrator relays only while it holds the leader lease).
     */
    public void start(BooleanSupplier active) {
        this.active = active;
        nextPurge = clock.instant();
        loop.start();
    }

    /** Ends the thread after its current pass (waits at most the send timeout and a little). */
    public void stop() {
        loop.stop();
    }

    /** Call after a commit that wrote outbox rows: the next pass starts at once. */
    public void wake() {
        loop.wake();
    }

    /** @return true when a full batch went out (more may be waiting) */
    private boolean round() {
        if (!active.getAsBoolean()) {
            return false;
        }
        topics.ensureTopics();
        int published = publishBatch();
        if (failing) {
            LOG.info("outbox relay is publishing again");
            failing = false;
        }
        backoff = MIN_BACKOFF;
        if (!clock.instant().isBefore(nextPurge)) {
            purge();
            nextPurge = clock.instant().plus(settings.purgeInterval());
        }
        return published >= settings.batchSize();
    }

    private Duration backOff(RuntimeException e) {
        if (!failing) {
            LOG.warnf("outbox relay cannot publish (%s); retrying with backoff up to %s", rootMessage(e),
                    settings.maxBackoff());
            failing = true;
        } else {
            LOG.debugf("outbox relay still failing: %s", rootMessage(e));
        }
        Duration wait = backoff;
        backoff = backoff.multipliedBy(2).compareTo(settings.maxBackoff()) > 0 ? settings.maxBackoff()
                : backoff.multipliedBy(2);
        return wait;
    }

    /**
     * One pass. Returns 0 when another instance is relaying this table right now.
     *
     * @return how many rows this pass published
     * @throws OutboxRelayException when rows were waiting but the first of them was not acknowledged
     */
    public int publishBatch() {
        return tx.read(c -> {
            c.setAutoCommit(true);
            if (!store.tryLead(c)) {
                return 0;
            }
            try {
                return sendAndMark(c);
            } finally {
                store.release(c);
            }
        });
    }

    private int sendAndMark(Connection c) throws SQLException {
        List<OutboxRow> rows = store.pending(c, settings.batchSize());
        List<CompletableFuture<Void>> acks = new ArrayList<>(rows.size());
        for (OutboxRow row : rows) {
            CompletableFuture<Void> ack = handOver(row);
            acks.add(ack);
            if (ack.isCompletedExceptionally()) {
                break; // refused at once (buffer full, producer closed): send none behind it
            }
        }
        long deadline = System.nanoTime() + settings.sendTimeout().toNanos();
        // Rows after a refused hand-over have no answer: they count as failed (sent next pass).
        List<Throwable> outcomes = new ArrayList<>(rows.size());
        for (CompletableFuture<Void> ack : acks) {
            outcomes.add(outcome(ack, deadline));
        }
        while (outcomes.size() < rows.size()) {
            outcomes.add(NOT_SENT);
        }
        PublishedRows decision = PublishedRows.of(rows.stream().map(OutboxRow::key).toList(), outcomes);
        store.markPublished(c, decision.published().stream().map(i -> rows.get(i).id()).toList());
        if (decision.published().isEmpty() && decision.failed()) {
            OutboxRow row = rows.get(0);
            throw new OutboxRelayException("sending outbox row " + row.id() + " to " + row.topic() + " failed: "
                    + rootMessage(decision.failure()), decision.failure());
        }
        if (decision.overtaken() > 0) {
            LOG.warnf("outbox relay: %d events reached Kafka ahead of an earlier event of their key that failed (%s);"
                    + " the failed ones and everything after them are sent again next pass, in order",
                    decision.overtaken(), rootMessage(decision.failure()));
        } else if (decision.failed()) {
            LOG.debugf("outbox relay: some keys' events wait for the next pass: %s", rootMessage(decision.failure()));
        }
        return decision.published().size();
    }

    /** A sender that throws instead of failing its stage fails that row (and so the rows after it). */
    private CompletableFuture<Void> handOver(OutboxRow row) {
        try {
            return sender.send(row).toCompletableFuture();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** @return null once the broker acknowledged, else why not (including no answer by the deadline) */
    private static Throwable outcome(CompletableFuture<Void> ack, long deadlineNanos) {
        try {
            ack.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return e;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (TimeoutException e) {
            return new TimeoutException("no acknowledgement from Kafka in time");
        }
    }

    /**
     * Deletes rows published longer ago than the retention, a batch at a time.
     *
     * @return the number deleted
     */
    public int purge() {
        Instant cutoff = clock.instant().minus(settings.retention());
        int total = 0;
        int deleted;
        do {
            deleted = tx.inTransaction(c -> store.deletePublished(c, cutoff, PURGE_BATCH));
            total += deleted;
        } while (deleted == PURGE_BATCH);
        if (total > 0) {
            LOG.debugf("outbox relay purged %d published rows", total);
        }
        return total;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }

    /** A pass published nothing although rows were waiting; it is retried after a backoff. */
    public static final class OutboxRelayException extends RuntimeException {
        OutboxRelayException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
