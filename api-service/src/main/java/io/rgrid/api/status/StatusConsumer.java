package io.rgrid.api.status;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.rgrid.api.config.RgridConfig;
import io.rgrid.api.kafka.ConsumerThread;
import io.rgrid.api.kafka.KafkaClients;
import io.rgrid.api.kafka.TopicInitializer;
import io.rgrid.model.Topics;
import io.rgrid.model.event.Envelope;
import io.rgrid.model.event.Event;
import io.rgrid.model.event.ExecutionStatusChanged;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads {@link Topics#EXECUTION_STATUS} and applies each report through {@link StatusService}.
 * Offsets are committed only after the reports before them were applied (at least once; applying
 * is idempotent). When the database fails, the consumer rewinds to the first report it could not
 * apply and tries again after a pause, so no report is skipped.
 */
@Singleton
public class StatusConsumer {

    private static final Logger LOG = Logger.getLogger(StatusConsumer.class);

    private final KafkaClients kafka;
    private final TopicInitializer topics;
    private final StatusService statusService;
    private final RgridConfig.StatusConsumer config;
    private final ConsumerThread thread = new ConsumerThread("rgrid-status-consumer", this::run);

    public StatusConsumer(KafkaClients kafka, TopicInitializer topics, StatusService statusService, RgridConfig config) {
        this.kafka = kafka;
        this.topics = topics;
        this.statusService = statusService;
        this.config = config.statusConsumer();
    }

    void onStart(@Observes StartupEvent event) {
        thread.start();
    }

    void onStop(@Observes ShutdownEvent event) {
        thread.stop();
    }

    private void run() {
        if (!thread.awaitTopics(topics, config.maxBackoff(), LOG)) {
            return;
        }
        String topic = kafka.topic(Topics.EXECUTION_STATUS);
        try (Consumer<String, byte[]> c = new KafkaConsumer<>(kafka.consumer(config.groupId(), "rgrid-api-status"))) {
            thread.attach(c);
            c.subscribe(List.of(topic));
            LOG.infof("status consumer subscribed to %s", topic);
            Duration backoff = ConsumerThread.MIN_BACKOFF;
            while (thread.running()) {
                ConsumerRecords<String, byte[]> records = c.poll(config.pollTimeout());
                if (records.isEmpty()) {
                    continue;
                }
                if (processAndCommit(c, records)) {
                    backoff = ConsumerThread.MIN_BACKOFF;
                } else {
                    thread.pause(backoff);
                    backoff = ConsumerThread.nextBackoff(backoff, config.maxBackoff());
                }
            }
        } catch (WakeupException e) {
            if (thread.running()) {
                LOG.error("status consumer woken unexpectedly", e);
            }
        } catch (Exception e) {
            LOG.error("status consumer stopped by an unexpected failure", e);
        } finally {
            thread.attach(null);
        }
    }

    /** @return false when a report could not be applied and the partitions were rewound */
    boolean processAndCommit(Consumer<String, byte[]> c, ConsumerRecords<String, byte[]> records) {
        Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>();
        boolean failed = false;
        for (TopicPartition partition : records.partitions()) {
            for (ConsumerRecord<String, byte[]> record : records.records(partition)) {
                if (failed) {
                    // Rewind this partition to its first unapplied report; the next poll returns it again.
                    c.seek(partition, record.offset());
                    break;
                }
                try {
                    handle(record);
                    done.put(partition, new OffsetAndMetadata(record.offset() + 1));
                } catch (RuntimeException e) {
                    LOG.warnf("could not apply status report at %s offset %d (%s); retrying", partition, record.offset(), e.getMessage());
                    c.seek(partition, record.offset());
                    failed = true;
                    break;
                }
            }
        }
        if (!done.isEmpty()) {
            c.commitSync(done);
        }
        return !failed;
    }

    /** Applies one record; malformed and unknown records are skipped here, database failures propagate. */
    void handle(ConsumerRecord<String, byte[]> record) {
        Optional<Envelope<Event>> envelope = ConsumerThread.decode(record, LOG);
        if (envelope.isEmpty()) {
            LOG.debugf("skipping record of an unknown event type at offset %d", record.offset());
            return;
        }
        if (!(envelope.get().payload() instanceof ExecutionStatusChanged report)) {
            LOG.warnf("skipping %s on the status topic at offset %d", envelope.get().type(), record.offset());
            return;
        }
        if (report.executionId() == null || report.state() == null || report.attempt() < 1) {
            LOG.warnf("skipping incomplete status report at %s-%d offset %d", record.topic(), record.partition(), record.offset());
            return;
        }
        statusService.apply(report);
    }
}
