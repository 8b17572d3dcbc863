package io.rgrid.api.logs;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.rgrid.api.config.RgridConfig;
import io.rgrid.api.kafka.KafkaClients;
import io.rgrid.api.kafka.TopicInitializer;
import io.rgrid.model.Topics;
import io.rgrid.model.event.Envelope;
import io.rgrid.model.event.Event;
import io.rgrid.model.event.EventCodec;
import io.rgrid.model.event.ExecutionLogChunk;
import io.rgrid.model.event.MalformedEventException;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Reads {@link Topics#EXECUTION_LOGS} into {@link LogHub}. Every api-service instance needs every
 * chunk (its followers may follow any execution), so this consumer joins no group: it assigns
 * itself all partitions and starts {@code rgrid.logs.replay-window} back. Nothing is committed:
 * live logs are a view, the stored log in S3 is the record.
 */
@Singleton
public class LogConsumer {

    private static final Logger LOG = Logger.getLogger(LogConsumer.class);

    private final KafkaClients kafka;
    private final TopicInitializer topics;
    private final LogHub hub;
    private final RgridConfig config;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private Thread thread;

    public LogConsumer(KafkaClients kafka, TopicInitializer topics, LogHub hub, RgridConfig config) {
        this.kafka = kafka;
        this.topics = topics;
        this.hub = hub;
        this.config = config;
    }

    void onStart(@Observes StartupEvent event) {
        running = true;
        thread = new Thread(this::run, "rgrid-log-consumer");
        thread.setDaemon(true);
        thread.start();
    }

    void onStop(@Observes ShutdownEvent event) {
        running = false;
        stopped.countDown();
        KafkaConsumer<String, byte[]> current = consumer;
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

    private void run() {
        long backoff = 200;
        while (running) {
            try {
                topics.ensureTopics();
                consume();
            } catch (WakeupException e) {
                return;
            } catch (Exception e) {
                LOG.debugf("log consumer waits for Kafka: %s", e.getMessage());
                try {
                    stopped.await(backoff, TimeUnit.MILLISECONDS);
                } catch (InterruptedException ie) {
                    return;
                }
                backoff = Math.min(backoff * 2, 5000);
            }
        }
    }

    private void consume() {
        Map<String, Object> props = new HashMap<>(kafka.consumer("unused", "rgrid-api-logs"));
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        String topic = kafka.topic(Topics.EXECUTION_LOGS);
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(props)) {
            consumer = c;
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
            while (running) {
                for (ConsumerRecord<String, byte[]> record : c.poll(Duration.ofMillis(500))) {
                    handle(record);
                }
            }
        } finally {
            consumer = null;
        }
    }

    void handle(ConsumerRecord<String, byte[]> record) {
        Optional<Envelope<Event>> envelope;
        try {
            envelope = EventCodec.decode(record.value());
        } catch (MalformedEventException e) {
            LOG.warnf("skipping malformed log record at %s-%d offset %d: %s", record.topic(), record.partition(),
                    record.offset(), e.getMessage());
            return;
        }
        if (envelope.isPresent() && envelope.get().payload() instanceof ExecutionLogChunk chunk && chunk.executionId() != null) {
            hub.publish(chunk);
        }
    }
}
