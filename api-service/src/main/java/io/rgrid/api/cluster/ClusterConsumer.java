package io.rgrid.api.cluster;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.rgrid.api.config.RgridConfig;
import io.rgrid.api.db.Transactions;
import io.rgrid.api.kafka.KafkaClients;
import io.rgrid.api.kafka.TopicInitializer;
import io.rgrid.model.Topics;
import io.rgrid.model.event.CostSnapshot;
import io.rgrid.model.event.Envelope;
import io.rgrid.model.event.Event;
import io.rgrid.model.event.EventCodec;
import io.rgrid.model.event.ExecutionWaiting;
import io.rgrid.model.event.MalformedEventException;
import io.rgrid.model.event.WorkerLifecycleChanged;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Keeps {@link ClusterRepository}'s tables from {@code rgrid.cluster.v1}. One group for every
 * instance (they share the database). Offsets are committed after a batch was applied; when the
 * database fails the consumer rewinds to the batch's start and tries again after a pause.
 */
@Singleton
public class ClusterConsumer {

    private static final Logger LOG = Logger.getLogger(ClusterConsumer.class);

    private final KafkaClients kafka;
    private final TopicInitializer topics;
    private final Transactions tx;
    private final ClusterRepository repository;
    private final RgridConfig.ClusterConsumer config;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private Thread thread;

    public ClusterConsumer(KafkaClients kafka, TopicInitializer topics, Transactions tx, ClusterRepository repository,
                           RgridConfig config) {
        this.kafka = kafka;
        this.topics = topics;
        this.tx = tx;
        this.repository = repository;
        this.config = config.clusterConsumer();
    }

    void onStart(@Observes StartupEvent event) {
        running = true;
        thread = new Thread(this::run, "rgrid-cluster-consumer");
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
                break;
            } catch (Exception e) {
                pause(backoff);
                backoff = Math.min(backoff * 2, config.maxBackoff().toMillis());
            }
        }
        String topic = kafka.topic(Topics.CLUSTER);
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(kafka.consumer(config.groupId(), "rgrid-api-cluster"))) {
            consumer = c;
            c.subscribe(List.of(topic));
            backoff = 200;
            while (running) {
                ConsumerRecords<String, byte[]> records = c.poll(config.pollTimeout());
                if (records.isEmpty()) {
                    continue;
                }
                try {
                    tx.inTransaction(connection -> {
                        for (ConsumerRecord<String, byte[]> record : records) {
                            apply(connection, record);
                        }
                        return null;
                    });
                    Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>();
                    for (TopicPartition p : records.partitions()) {
                        List<ConsumerRecord<String, byte[]>> list = records.records(p);
                        done.put(p, new OffsetAndMetadata(list.getLast().offset() + 1));
                    }
                    c.commitSync(done);
                    backoff = 200;
                } catch (RuntimeException e) {
                    LOG.warnf("cluster read model not updated (%s); retrying", e.getMessage());
                    for (TopicPartition p : records.partitions()) {
                        c.seek(p, records.records(p).getFirst().offset());
                    }
                    pause(backoff);
                    backoff = Math.min(backoff * 2, config.maxBackoff().toMillis());
                }
            }
        } catch (WakeupException e) {
            // shutting down
        } catch (Exception e) {
            if (running) {
                LOG.errorf(e, "cluster consumer stopped");
            }
        } finally {
            consumer = null;
        }
    }

    void apply(java.sql.Connection connection, ConsumerRecord<String, byte[]> record) throws java.sql.SQLException {
        Optional<Envelope<Event>> envelope;
        try {
            envelope = EventCodec.decode(record.value());
        } catch (MalformedEventException e) {
            LOG.warnf("skipping malformed cluster record at %s-%d offset %d: %s", record.topic(), record.partition(),
                    record.offset(), e.getMessage());
            return;
        }
        if (envelope.isEmpty()) {
            return;
        }
        Instant at = envelope.get().occurredAt() == null ? Instant.now() : envelope.get().occurredAt();
        switch (envelope.get().payload()) {
            case WorkerLifecycleChanged w when w.workerId() != null -> repository.upsertWorker(connection, w, at);
            case ExecutionWaiting w when w.executionId() != null -> repository.upsertWait(connection, w, at);
            case CostSnapshot s -> repository.upsertCost(connection, s, at);
            default -> LOG.debugf("ignoring %s on the cluster topic", envelope.get().type());
        }
    }

    private void pause(long millis) {
        try {
            stopped.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }
}
