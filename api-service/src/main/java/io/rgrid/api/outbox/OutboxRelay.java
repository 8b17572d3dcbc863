package io.rgrid.api.outbox;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.rgrid.api.config.RgridConfig;
import io.rgrid.platform.db.Transactions;
import io.rgrid.api.kafka.KafkaClients;
import io.rgrid.api.kafka.TopicInitializer;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Publishes committed outbox rows to Kafka, oldest first, on a thread of its own.
 *
 * <p>One pass: lock a batch of unpublished rows, send each synchronously, mark them published,
 * commit. A failed send rolls the pass back, so every row is sent at least once (consumers are
 * idempotent); rows already sent in a failed pass are sent again. While Kafka or PostgreSQL is
 * down the relay backs off, doubling up to {@code rgrid.outbox.max-backoff}; submissions keep
 * committing to the outbox meanwhile.
 */
@Singleton
public class OutboxRelay {

    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);
    private static final Duration MIN_BACKOFF = Duration.ofMillis(100);

    private final Transactions tx;
    private final OutboxRepository repository;
    private final OutboxSignal signal;
    private final KafkaClients kafka;
    private final TopicInitializer topics;
    private final RgridConfig.Outbox config;
    private final Duration sendTimeout;

    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running;
    private Thread thread;
    private Producer<String, byte[]> producer;

    public OutboxRelay(Transactions tx, OutboxRepository repository, OutboxSignal signal, KafkaClients kafka,
                       TopicInitializer topics, RgridConfig config) {
        this.tx = tx;
        this.repository = repository;
        this.signal = signal;
        this.kafka = kafka;
        this.topics = topics;
        this.config = config.outbox();
        this.sendTimeout = config.kafka().requestTimeout().plusSeconds(5);
    }

    void onStart(@Observes StartupEvent event) {
        running = true;
        thread = new Thread(this::loop, "rgrid-outbox-relay");
        thread.start();
    }

    void onStop(@Observes ShutdownEvent event) {
        running = false;
        stopped.countDown();
        if (thread != null) {
            signal.wake();
            try {
                thread.join(sendTimeout.toMillis() + 5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void loop() {
        Duration backoff = MIN_BACKOFF;
        boolean failing = false;
        try {
            while (running) {
                try {
                    if (!topics.ready()) {
                        topics.ensureTopics();
                    }
                    int published = publishBatch();
                    if (failing) {
                        LOG.info("outbox relay is publishing again");
                        failing = false;
                    }
                    backoff = MIN_BACKOFF;
                    if (published < config.batchSize()) {
                        signal.await(config.pollInterval());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (Exception e) {
                    if (!failing) {
                        LOG.warnf("outbox relay cannot publish (%s); retrying with backoff up to %s", e.getMessage(), config.maxBackoff());
                        failing = true;
                    } else {
                        LOG.debugf("outbox relay still failing: %s", e.getMessage());
                    }
                    // The producer may be wedged on a broker that went away; start from a fresh one.
                    closeProducer();
                    sleep(backoff);
                    backoff = min(backoff.multipliedBy(2), config.maxBackoff());
                }
            }
        } finally {
            closeProducer();
        }
    }

    /** @return how many rows this pass published */
    int publishBatch() throws Exception {
        Producer<String, byte[]> kafkaProducer = producer();
        return tx.inTransaction(connection -> {
            List<OutboxRepository.OutboxRow> rows = repository.lockUnpublished(connection, config.batchSize());
            List<Long> sent = new ArrayList<>(rows.size());
            for (OutboxRepository.OutboxRow row : rows) {
                try {
                    kafkaProducer.send(new ProducerRecord<>(row.topic(), row.key(), row.payload()))
                            .get(sendTimeout.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new RelayException("interrupted while sending outbox row " + row.id(), e);
                } catch (Exception e) {
                    Throwable cause = e.getCause() == null ? e : e.getCause();
                    throw new RelayException("sending outbox row " + row.id() + " to " + row.topic() + " failed: " + cause, e);
                }
                sent.add(row.id());
            }
            repository.markPublished(connection, sent);
            return sent.size();
        });
    }

    private synchronized Producer<String, byte[]> producer() {
        if (producer == null) {
            producer = new KafkaProducer<>(kafka.producer());
        }
        return producer;
    }

    synchronized void closeProducer() {
        if (producer != null) {
            try {
                producer.close(Duration.ofSeconds(2));
            } catch (Exception e) {
                LOG.debugf("closing the outbox producer failed: %s", e.getMessage());
            }
            producer = null;
        }
    }

    /** Backoff ignores new rows (they would defeat it during an outage); only shutdown cuts it short. */
    private void sleep(Duration duration) {
        try {
            stopped.await(duration.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** A send failed; the pass is rolled back and retried. */
    static final class RelayException extends RuntimeException {
        RelayException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
