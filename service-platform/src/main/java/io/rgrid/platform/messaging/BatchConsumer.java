package io.rgrid.platform.messaging;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.rgrid.model.event.Envelope;
import io.rgrid.model.event.Event;
import io.rgrid.model.event.EventCodec;
import io.rgrid.model.event.MalformedEventException;
import io.rgrid.platform.messaging.FailureDecision.Action;
import io.rgrid.platform.messaging.FailureDecision.Failure;
import io.rgrid.platform.signing.RecordVerifier;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The one way the services consume Kafka. Each consumer is a blocking, ordered {@code @Incoming}
 * batch method that hands its poll ({@code ConsumerRecords}) and its {@link BatchWork} to
 * {@link #consume}; the method returning acknowledges the batch, and the connector commits its
 * offsets only then (commit strategy {@code latest}). So a poll's records are applied together and
 * their offsets committed after them, as the hand-written loops did.
 *
 * <p>Failures ({@link FailureDecision} decides): while the database is unavailable the same batch
 * is tried again, in order, after a pause that doubles up to {@code rgrid.messaging.max-retry-pause},
 * for ever; any other failure is tried {@code rgrid.messaging.max-attempts} times, then the batch
 * is split and its records applied one by one, and only those that still fail go to
 * {@link DeadLetters}. A record whose bytes are not an event is dead-lettered at once; a record of
 * an event type this version does not know (a newer producer) is skipped. A record that does not
 * prove who sent it ({@link RecordVerifier}: unsigned, signed by the wrong party or with the wrong
 * key) is never applied: it is dead-lettered at once and counted in
 * {@code rgrid_unverified_records_total{channel,type}}. While the batch waits,
 * the connector keeps polling (its queue is bounded), so the consumer stays in its group.
 */
@ApplicationScoped
public class BatchConsumer {

    private static final Logger LOG = Logger.getLogger(BatchConsumer.class);

    private final DeadLetters deadLetters;
    private final MessagingConfig config;
    private final RecordVerifier verifier;
    private final MeterRegistry registry;
    private final CountDownLatch stopping = new CountDownLatch(1);

    public BatchConsumer(DeadLetters deadLetters, MessagingConfig config, RecordVerifier verifier,
                         MeterRegistry registry) {
        this.deadLetters = deadLetters;
        this.config = config;
        this.verifier = verifier;
        this.registry = registry;
    }

    /** Ends the pauses of batches waiting for a retry, before the connector stops (their offsets stay uncommitted). */
    void onStop(@Observes @Priority(1) ShutdownEvent event) {
        stopping.countDown();
    }

    /**
     * Applies the poll's records; returns when every record was applied, skipped or dead-lettered.
     *
     * @throws ConsumerStoppedException when the service stops first (the batch is read again after a restart)
     */
    public void consume(String channel, ConsumerRecords<String, byte[]> records, BatchWork work) {
        List<Received> batch = new ArrayList<>(records.count());
        for (ConsumerRecord<String, byte[]> record : records) {
            Optional<Envelope<Event>> event;
            try {
                event = EventCodec.decode(record.value());
            } catch (MalformedEventException e) {
                deadLetter(channel, record, e); // FailureDecision: UNDECODABLE is always DEAD_LETTER
                continue;
            }
            if (event.isEmpty()) {
                continue;
            }
            Optional<String> refusal = refusal(channel, record, event.get());
            if (refusal.isPresent()) {
                registry.counter("rgrid.unverified.records", "channel", channel, "type", event.get().type()).increment();
                deadLetter(channel, record, new UnverifiedRecordException(refusal.get()));
            } else {
                batch.add(new Received(record, event.get()));
            }
        }
        if (!batch.isEmpty()) {
            apply(channel, batch, work);
        }
    }

    private void apply(String channel, List<Received> batch, BatchWork work) {
        List<Envelope<Event>> events = batch.stream().map(Received::event).toList();
        int attempts = 0;
        Duration pause = config.retryPause();
        while (true) {
            try {
                work.apply(events);
                return;
            } catch (RuntimeException e) {
                Failure failure = FailureDecision.classify(e);
                if (failure == Failure.REJECTED) {
                    attempts++;
                }
                Action action = FailureDecision.decide(failure, attempts, batch.size(), config.maxAttempts());
                switch (action) {
                    case PAUSE_AND_RETRY, RETRY -> {
                        log(channel, batch, failure, attempts, pause, e);
                        pause = pause(channel, pause);
                    }
                    case SPLIT -> {
                        LOG.warnf("%s: a batch of %d records failed %d times (%s); applying them one by one",
                                channel, batch.size(), attempts, e.getMessage());
                        batch.forEach(one -> apply(channel, List.of(one), work));
                        return;
                    }
                    case DEAD_LETTER -> {
                        deadLetter(channel, batch.getFirst().record(), e);
                        return;
                    }
                }
            }
        }
    }

    /**
     * Why the record must not be applied ({@link RecordVerifier}), or empty. While a key cannot be
     * looked up because the database is unavailable, waits and asks again; any other failure to look
     * it up refuses the record.
     */
    private Optional<String> refusal(String channel, ConsumerRecord<String, byte[]> record, Envelope<Event> event) {
        Duration pause = config.retryPause();
        while (true) {
            try {
                return verifier.refusal(record, event);
            } catch (RuntimeException e) {
                if (FailureDecision.classify(e) != Failure.UNAVAILABLE) {
                    return Optional.of("its key could not be looked up: " + e.getMessage());
                }
                LOG.warnf("%s: cannot verify offset %d of %s-%d, the database is unavailable (%s); retrying in %s",
                        channel, record.offset(), record.topic(), record.partition(), e.getMessage(), pause);
                pause = pause(channel, pause);
            }
        }
    }

    /** Sends to the dead-letter topic; while Kafka cannot take it, waits and tries again. */
    private void deadLetter(String channel, ConsumerRecord<String, byte[]> record, Throwable error) {
        Duration pause = config.retryPause();
        while (true) {
            try {
                deadLetters.send(channel, record, error);
                return;
            } catch (RuntimeException e) {
                LOG.warnf("%s: could not dead-letter offset %d of %s-%d (%s); retrying in %s", channel, record.offset(),
                        record.topic(), record.partition(), e.getMessage(), pause);
                pause = pause(channel, pause);
            }
        }
    }

    /** The first failure of a streak is a WARN, the rest DEBUG (an outage would otherwise log every few seconds). */
    private void log(String channel, List<Received> batch, Failure failure, int attempts, Duration pause,
                            RuntimeException e) {
        ConsumerRecord<String, byte[]> first = batch.getFirst().record();
        String what = failure == Failure.UNAVAILABLE ? "the database is unavailable" : "try " + attempts + " failed";
        LOG.logf(pause.equals(config.retryPause()) ? Logger.Level.WARN : Logger.Level.DEBUG,
                "%s: %d records from %s-%d offset %d not applied, %s (%s); retrying in %s", channel, batch.size(),
                first.topic(), first.partition(), first.offset(), what, e.getMessage(), pause);
    }

    /** Waits {@code pause} (cut short when the service stops) and returns the next, doubled one. */
    private Duration pause(String channel, Duration pause) {
        try {
            if (stopping.await(pause.toMillis(), TimeUnit.MILLISECONDS)) {
                throw stopped(channel);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw stopped(channel);
        }
        Duration doubled = pause.multipliedBy(2);
        return doubled.compareTo(config.maxRetryPause()) <= 0 ? doubled : config.maxRetryPause();
    }

    /**
     * The service stops with a batch not applied: said once here at INFO (SmallRye's own reports of
     * the throw are dropped by {@code io.rgrid.platform.logging.StoppedConsumerLogFilter}).
     */
    public static ConsumerStoppedException stopped(String channel) {
        LOG.infof("%s: stopping with a batch not applied; it is read again after the restart", channel);
        return new ConsumerStoppedException(channel);
    }

    /** A decoded record: the event for the work, the record for a dead letter. */
    private record Received(ConsumerRecord<String, byte[]> record, Envelope<Event> event) {
    }
}
