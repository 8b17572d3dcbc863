package io.rgrid.orchestrator.kafka;

import io.rgrid.model.event.Envelope;
import io.rgrid.model.event.Event;
import io.rgrid.model.event.EventCodec;
import io.rgrid.model.event.MalformedEventException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One topic, one thread: polls, decodes, hands the poll's events to a handler, then commits the batch
 * (at least once: a crash before the commit replays the batch, and every handler is idempotent).
 * Malformed records are logged and skipped. A handler that fails (database down) makes the loop
 * seek back and retry the same records after a pause, so nothing is skipped silently.
 */
public final class ConsumerLoop implements Runnable {

    private static final Logger LOG = Logger.getLogger(ConsumerLoop.class);
    private static final Duration RETRY_PAUSE = Duration.ofSeconds(2);

    /** Handles one decoded event. */
    @FunctionalInterface
    public interface Handler {
        void handle(Envelope<Event> envelope);
    }

    private final Consumer<String, byte[]> consumer;
    private final String topic;
    /** Handles the decoded events of one poll, in order (e.g. in one transaction). */
    @FunctionalInterface
    public interface BatchHandler {
        void handleAll(List<Envelope<Event>> envelopes);
    }

    private final BatchHandler handler;
    private final Runnable afterBatch;
    private volatile boolean running = true;
    private Thread thread;

    public ConsumerLoop(Consumer<String, byte[]> consumer, String topic, Handler handler, Runnable afterBatch) {
        this(consumer, topic, (BatchHandler) envelopes -> envelopes.forEach(handler::handle), afterBatch);
    }

    public ConsumerLoop(Consumer<String, byte[]> consumer, String topic, BatchHandler handler,
                        Runnable afterBatch) {
        this.consumer = consumer;
        this.topic = topic;
        this.handler = handler;
        this.afterBatch = afterBatch;
    }

    public void start(String threadName) {
        thread = new Thread(this, threadName);
        thread.setDaemon(true);
        thread.start();
    }

    public void stop() {
        running = false;
        consumer.wakeup();
        if (thread != null) {
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void run() {
        try {
            consumer.subscribe(List.of(topic));
            while (running) {
                ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(500));
                if (records.isEmpty()) {
                    continue;
                }
                if (processBatch(records)) {
                    // The batch's effects are committed in the database: wake the dispatcher before
                    // the offset commit's round trip (which only decides what a restart re-reads).
                    afterBatch.run();
                    commit(records);
                }
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } catch (RuntimeException e) {
            LOG.errorf(e, "consumer of %s stopped", topic);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /** @return true when every record was handled; false after rewinding the batch because one failed */
    private boolean processBatch(ConsumerRecords<String, byte[]> records) {
        List<Envelope<Event>> envelopes = new ArrayList<>(records.count());
        for (ConsumerRecord<String, byte[]> record : records) {
            try {
                EventCodec.decode(record.value()).ifPresent(envelopes::add); // empty: a newer producer's type
            } catch (MalformedEventException e) {
                LOG.warnf("skipping malformed record on %s partition %d offset %d: %s",
                        record.topic(), record.partition(), record.offset(), e.getMessage());
            }
        }
        if (envelopes.isEmpty()) {
            return true;
        }
        try {
            handler.handleAll(envelopes);
            return true;
        } catch (RuntimeException e) {
            LOG.errorf(e, "failed to handle a batch of %d events from %s; retrying", envelopes.size(), topic);
            rewind(records);
            pause();
            return false;
        }
    }

    /**
     * Commits the batch's offsets. A failed commit (a rebalance, the coordinator away) must not end
     * the loop: the batch is read again after a pause; handlers are idempotent.
     */
    private void commit(ConsumerRecords<String, byte[]> records) {
        try {
            consumer.commitSync();
        } catch (WakeupException e) {
            throw e;
        } catch (RuntimeException e) {
            LOG.warnf("could not commit the offsets of a batch from %s (%s); reading it again", topic, e.getMessage());
            rewind(records);
            pause();
        }
    }

    /**
     * Seeks every partition of the batch back to its first record, so the next poll hands the
     * batch out again. Handlers are idempotent, so replaying the records already handled is harmless.
     * A partition a rebalance took away is skipped: its new owner starts from the last commit.
     */
    private void rewind(ConsumerRecords<String, byte[]> records) {
        for (var partition : records.partitions()) {
            if (consumer.assignment().contains(partition)) {
                consumer.seek(partition, records.records(partition).getFirst().offset());
            }
        }
    }

    private void pause() {
        try {
            Thread.sleep(RETRY_PAUSE.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }
}
