package io.rgrid.api.kafka;

import io.rgrid.platform.topics.TopicCreator;

import io.rgrid.model.event.Envelope;
import io.rgrid.model.event.Event;
import io.rgrid.model.event.EventCodec;
import io.rgrid.model.event.MalformedEventException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The thread one of api-service's Kafka consumer loops runs on (status reports, log chunks,
 * the cluster read model): started at start-up; at shutdown told to stop, its consumer woken
 * out of {@code poll}, and joined. Pauses between retries end early at shutdown.
 * The poll, apply, commit and back-off loop of the two consumers in a group (status, cluster) is
 * {@link GroupConsumerLoop}; the log consumer, which joins no group, runs its own loop.
 */
public final class ConsumerThread {

    public static final Duration MIN_BACKOFF = Duration.ofMillis(200);

    private final String name;
    private final Runnable body;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running;
    private volatile Consumer<?, ?> consumer;
    private Thread thread;

    public ConsumerThread(String name, Runnable body) {
        this.name = name;
        this.body = body;
    }

    public void start() {
        running = true;
        thread = new Thread(body, name);
        thread.setDaemon(true);
        thread.start();
    }

    public void stop() {
        running = false;
        stopped.countDown();
        Consumer<?, ?> current = consumer;
        if (current != null) {
            current.wakeup();
        }
        if (thread != null) {
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    public boolean running() {
        return running;
    }

    /** The consumer {@link #stop} wakes; null once the loop closed it. */
    public void attach(Consumer<?, ?> current) {
        consumer = current;
    }

    /** Sleeps, returning early when the service stops. */
    public void pause(Duration duration) {
        try {
            stopped.await(duration.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    /** Doubles a retry pause up to {@code max}. */
    public static Duration nextBackoff(Duration current, Duration max) {
        Duration doubled = current.multipliedBy(2);
        return doubled.compareTo(max) <= 0 ? doubled : max;
    }

    /**
     * Waits, backing off up to {@code maxBackoff}, until the topics exist (Kafka may start after us).
     *
     * @return false when the service stopped first
     */
    public boolean awaitTopics(TopicCreator topics, Duration maxBackoff, Logger log) {
        Duration backoff = MIN_BACKOFF;
        while (running) {
            try {
                topics.ensureTopics();
                return true;
            } catch (Exception e) {
                log.debugf("%s waits for Kafka: %s", name, e.getMessage());
                pause(backoff);
                backoff = nextBackoff(backoff, maxBackoff);
            }
        }
        return false;
    }

    /**
     * The record's envelope; empty (after a WARN for a malformed record) when the record is not one
     * this version knows, so the loop skips it instead of stalling on it.
     */
    public static Optional<Envelope<Event>> decode(ConsumerRecord<String, byte[]> record, Logger log) {
        try {
            return EventCodec.decode(record.value());
        } catch (MalformedEventException e) {
            log.warnf("skipping malformed record at %s-%d offset %d: %s", record.topic(), record.partition(),
                    record.offset(), e.getMessage());
            return Optional.empty();
        }
    }
}
