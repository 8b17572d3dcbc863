package io.rgrid.api.cluster;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.rgrid.api.config.RgridConfig;
import io.rgrid.platform.db.Transactions;
import io.rgrid.api.kafka.ConsumerThread;
import io.rgrid.api.kafka.GroupConsumerLoop;
import io.rgrid.api.kafka.KafkaClients;
import io.rgrid.platform.topics.TopicCreator;
import io.rgrid.model.Topics;
import io.rgrid.model.event.CostSnapshot;
import io.rgrid.model.event.Envelope;
import io.rgrid.model.event.Event;
import io.rgrid.model.event.ExecutionWaiting;
import io.rgrid.model.event.GridCapacityChanged;
import io.rgrid.model.event.WorkerHeartbeat;
import io.rgrid.model.event.WorkerLifecycleChanged;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Keeps {@link ClusterRepository}'s tables from {@code rgrid.cluster.v1} and
 * {@code rgrid.worker-heartbeats.v1}. One group for every instance (they share the database).
 * Each poll is applied in one transaction and its offsets are committed after it; when the
 * database fails the consumer rewinds to the batch's start and tries again after a pause
 * ({@link GroupConsumerLoop#inOneTransaction}).
 */
@Singleton
public class ClusterConsumer {

    private static final Logger LOG = Logger.getLogger(ClusterConsumer.class);

    private final ClusterRepository repository;
    private final GroupConsumerLoop loop;

    public ClusterConsumer(KafkaClients kafka, TopicCreator topics, Transactions tx, ClusterRepository repository,
                           RgridConfig config) {
        this.repository = repository;
        RgridConfig.ClusterConsumer settings = config.clusterConsumer();
        this.loop = new GroupConsumerLoop(kafka, topics, LOG, new GroupConsumerLoop.Settings(
                "rgrid-cluster-consumer", "cluster consumer", settings.groupId(), "rgrid-api-cluster",
                // Heartbeats too (their own consumer group is this one): the dashboard shows heartbeat age and slots in use.
                List.of(Topics.CLUSTER, Topics.WORKER_HEARTBEATS), settings.pollTimeout(), settings.maxBackoff()),
                GroupConsumerLoop.inOneTransaction(tx, "cluster read model", this::apply));
    }

    void onStart(@Observes StartupEvent event) {
        loop.start();
    }

    void onStop(@Observes ShutdownEvent event) {
        loop.stop();
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
            case GridCapacityChanged g -> repository.upsertCapacity(connection, g, at);
            case WorkerHeartbeat h when h.workerId() != null -> repository.upsertHeartbeat(connection, h, at);
            default -> LOG.debugf("ignoring %s on the cluster topic", envelope.get().type());
        }
    }
}
