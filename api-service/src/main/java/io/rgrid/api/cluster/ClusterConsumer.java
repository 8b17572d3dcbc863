package io.rgrid.api.cluster;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.rgrid.api.config.RgridConfig;
import io.rgrid.api.db.Transactions;
import io.rgrid.api.kafka.ConsumerThread;
import io.rgrid.api.kafka.KafkaClients;
import io.rgrid.api.kafka.TopicInitializer;
import io.rgrid.model.Topics;
import io.rgrid.model.event.CostSnapshot;
import io.rgrid.model.event.Envelope;
import io.rgrid.model.event.Event;
import io.rgrid.model.event.ExecutionWaiting;
import io.rgrid.model.event.WorkerHeartbeat;
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

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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
    private final ConsumerThread thread = new ConsumerThread("rgrid-cluster-consumer", this::run);

    public ClusterConsumer(KafkaClients kafka, TopicInitializer topics, Transactions tx, ClusterRepository repository,
                           RgridConfig config) {
        this.kafka = kafka;
        this.topics = topics;
        this.tx = tx;
        this.repository = repository;
        this.config = config.clusterConsumer();
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
        String topic = kafka.topic(Topics.CLUSTER);
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(kafka.consumer(config.groupId(), "rgrid-api-cluster"))) {
            thread.attach(c);
            // Heartbeats too (their own consumer group is this one): the dashboard shows heartbeat age and slots in use.
            c.subscribe(List.of(topic, kafka.topic(Topics.WORKER_HEARTBEATS)));
            Duration backoff = ConsumerThread.MIN_BACKOFF;
            while (thread.running()) {
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
                    backoff = ConsumerThread.MIN_BACKOFF;
                } catch (RuntimeException e) {
                    LOG.warnf("cluster read model not updated (%s); retrying", e.getMessage());
                    for (TopicPartition p : records.partitions()) {
                        c.seek(p, records.records(p).getFirst().offset());
                    }
                    thread.pause(backoff);
                    backoff = ConsumerThread.nextBackoff(backoff, config.maxBackoff());
                }
            }
        } catch (WakeupException e) {
            // shutting down
        } catch (Exception e) {
            if (thread.running()) {
                LOG.errorf(e, "cluster consumer stopped");
            }
        } finally {
            thread.attach(null);
        }
    }

    void apply(java.sql.Connection connection, ConsumerRecord<String, byte[]> record) throws java.sql.SQLException {
        Optional<Envelope<Event>> envelope = ConsumerThread.decode(record, LOG);
        if (envelope.isEmpty()) {
            return;
        }
        Instant at = envelope.get().occurredAt() == null ? Instant.now() : envelope.get().occurredAt();
        switch (envelope.get().payload()) {
            case WorkerLifecycleChanged w when w.workerId() != null -> repository.upsertWorker(connection, w, at);
            case ExecutionWaiting w when w.executionId() != null -> repository.upsertWait(connection, w, at);
            case CostSnapshot s -> repository.upsertCost(connection, s, at);
            case WorkerHeartbeat h when h.workerId() != null -> repository.upsertHeartbeat(connection, h, at);
            default -> LOG.debugf("ignoring %s on the cluster topic", envelope.get().type());
        }
    }
}
