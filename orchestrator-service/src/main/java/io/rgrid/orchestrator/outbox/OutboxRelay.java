package io.rgrid.orchestrator.outbox;

import io.rgrid.orchestrator.kafka.KafkaClients;
import io.rgrid.platform.db.Transactions;
import io.rgrid.orchestrator.support.RoundLoop;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Publishes outbox rows to Kafka in id order, a batch of rows at a time through the idempotent
 * producer, so events about one key reach the topic in the order their transactions wrote them. Rows are locked with
 * {@code FOR UPDATE SKIP LOCKED} while sent, so a second relay (a second orchestrator during a
 * rolling restart) never publishes the same row concurrently. While Kafka is down the relay backs
 * off (1 s doubling to 30 s) and retries the same row: events are delayed, never dropped.
 */
@ApplicationScoped
public class OutboxRelay {

    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);
    private static final int BATCH = 500;
    private static final Duration IDLE_POLL = Duration.ofSeconds(1);
    private static final Duration MIN_BACKOFF = Duration.ofSeconds(1);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    /** Published rows are kept a while for debugging, then deleted. */
    private static final String PURGE = "DELETE FROM outbox WHERE published_at < now() - interval '1 day'";

    @Inject
    Transactions database;

    @Inject
    KafkaClients kafka;

    /** A full batch goes again at once (more rows may be waiting); a failure backs off. */
    private final RoundLoop loop = new RoundLoop("outbox-relay", Duration.ofSeconds(15), () -> IDLE_POLL,
            this::round, this::backOff);
    private KafkaProducer<String, byte[]> producer;
    /** The loop thread's: the next back-off, and the rounds since the start (for the purge). */
    private Duration backoff;
    private long rounds;

    public void wake() {
        loop.wake();
    }

    public synchronized void start() {
        if (loop.running()) {
            return;
        }
        producer = kafka.newProducer();
        backoff = MIN_BACKOFF;
        rounds = 0;
        loop.start();
    }

    public synchronized void stop() {
        loop.stop();
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }

    /** @return true when a full batch went out */
    private boolean round() {
        int published = publishBatch();
        backoff = MIN_BACKOFF;
        if (++rounds % 3600 == 0) {
            database.inTransaction(c -> {
                try (PreparedStatement purge = c.prepareStatement(PURGE)) {
                    return purge.executeUpdate();
                }
            });
        }
        return published >= BATCH;
    }

    /** Kafka (or the database) is down: logs it and waits the back-off, doubling it up to the maximum. */
    private Duration backOff(RuntimeException e) {
        Duration wait = backoff;
        LOG.warnf("outbox relay: %s; retrying in %d s", rootMessage(e), wait.toSeconds());
        backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        return wait;
    }

    /**
     * Sends up to {@link #BATCH} unpublished rows: all handed to the producer at once (it batches
     * them into few requests; the idempotent producer keeps each partition's order, and a failed
     * send fails the ones behind it rather than letting them overtake), then awaited in id order.
     * The rows up to the first failure are marked published in one statement, so a failure
     * mid-batch commits the rows already sent and retries the rest.
     */
    int publishBatch() {
        return database.inTransaction(connection -> {
            List<Long> ids = new ArrayList<>(BATCH);
            List<Future<RecordMetadata>> sends = new ArrayList<>(BATCH);
            String failure = null;
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT id, topic, key, payload FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT ? "
                            + "FOR UPDATE SKIP LOCKED")) {
                select.setInt(1, BATCH);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        ProducerRecord<String, byte[]> record = new ProducerRecord<>(rows.getString(2),
                                rows.getString(3), rows.getString(4).getBytes(StandardCharsets.UTF_8));
                        Future<RecordMetadata> send;
                        try {
                            send = producer.send(record);
                        } catch (RuntimeException e) {
                            failure = rootMessage(e);
                            break;
                        }
                        ids.add(rows.getLong(1));
                        sends.add(send);
                    }
                }
            }
            int sent = 0;
            for (; sent < sends.size(); sent++) {
                String failed = failure(sends.get(sent));
                if (failed != null) {
                    failure = failed;
                    break;
                }
            }
            if (sent > 0) {
                try (PreparedStatement mark = connection.prepareStatement(
                        "UPDATE outbox SET published_at = now() WHERE id = ANY(?::bigint[])")) {
                    mark.setArray(1, connection.createArrayOf("int8", ids.subList(0, sent).toArray()));
                    mark.executeUpdate();
                }
            }
            // Nothing went out because a send failed: back off. (No rows at all is not a failure:
            // a transaction may have committed new ones just after this one's snapshot.)
            if (sent == 0 && failure != null) {
                throw new IllegalStateException("Kafka did not accept the next outbox event: " + failure);
            }
            return sent;
        });
    }

    /** Waits for one send; @return null once the broker acknowledged it, else why not. */
    private static String failure(Future<RecordMetadata> send) {
        try {
            send.get(30, TimeUnit.SECONDS);
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        } catch (Exception e) {
            return rootMessage(e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }
}
