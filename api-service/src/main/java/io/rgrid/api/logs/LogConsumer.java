package io.rgrid.api.logs;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.rgrid.api.config.RgridConfig;
import io.rgrid.api.kafka.ConsumerThread;
import io.rgrid.api.kafka.KafkaClients;
import io.rgrid.platform.topics.TopicCreator;
import io.rgrid.model.Topics;
import io.rgrid.model.event.Envelope;
import io.rgrid.model.event.Event;
import io.rgrid.model.event.ExecutionLogChunk;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads {@link Topics#EXECUTION_LOGS} into {@link LogHub}. Every api-service instance needs every
 * chunk (its followers may follow any execution), so this consumer joins no group: it assigns
 * itself all partitions and starts {@code rgrid.logs.replay-window} back. Nothing is committed:
 * live logs are a view, the stored log in S3 is the record.
 */
@Singleton
public class LogConsumer {

    private static final Logger LOG = Logger.getLogger(LogConsumer.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    private final KafkaClients kafka;
    private final TopicCreator topics;
    private final LogHub hub;
    private final RgridConfig config;
    private final ConsumerThread thread = new ConsumerThread("rgrid-log-consumer", this::run);

    public LogConsumer(KafkaClients kafka, TopicCreator topics, LogHub hub, RgridConfig config) {
        this.kafka = kafka;
        this.topics = topics;
        this.hub = hub;
        this.config = config;
    }

    void onStart(@Observes StartupEvent event) {
        thread.start();
    }

    void onStop(@Observes ShutdownEvent event) {
        thread.stop();
    }

    private void run() {
        Duration backoff = ConsumerThread.MIN_BACKOFF;
        while (thread.running()) {
            try {
                topics.ensureTopics();
                consume();
            } catch (WakeupException e) {
                return;
            } catch (Exception e) {
                LOG.debugf("log consumer waits for Kafka: %s", e.getMessage());
                thread.pause(backoff);
                backoff = ConsumerThread.nextBackoff(backoff, MAX_BACKOFF);
            }
        }
    }

    private void consume() {
        Map<String, Object> props = new HashMap<>(kafka.consumer("unused", "rgrid-api-logs"));
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        String topic = kafka.topic(Topics.EXECUTION_LOGS);
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(props)) {
            thread.attach(c);
            List<PartitionInfo> infos = c.partitionsFor(topic, config.kafka().requestTimeout());
            List<TopicPartition> partitions = infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            c.assign(partitions);
            long from = System.currentTimeMillis() - config.logs().replayWindow().toMillis();
            Map<TopicPartition, Long> query = new HashMap<>();
            partitions.forEach(p -> query.put(p, from));
            Map<TopicPartition, OffsetAndTimestamp> offsets = c.offsetsForTimes(query, config.kafka().requestTimeout());
            for (TopicPartition p : partitions) {
                OffsetAndTimestamp o = offsets.get(p);
                if (o == null) {
                    c.seekToEnd(List.of(p));
                } else {
                    c.seek(p, o.offset());
                }
            }
            LOG.infof("log consumer reads %s (%d partitions)", topic, partitions.size());
            while (thread.running()) {
                for (ConsumerRecord<String, byte[]> record : c.poll(Duration.ofMillis(500))) {
                    handle(record);
                }
            }
        } finally {
            thread.attach(null);
        }
    }

    void handle(ConsumerRecord<String, byte[]> record) {
        Optional<Envelope<Event>> envelope = ConsumerThread.decode(record, LOG);
        if (envelope.isPresent() && envelope.get().payload() instanceof ExecutionLogChunk chunk && chunk.executionId() != null) {
            hub.publish(chunk);
        }
    }
}
