package io.rgrid.api.cluster;

import io.rgrid.model.Topics;
import io.rgrid.model.event.CostSnapshot;
import io.rgrid.model.event.Envelope;
import io.rgrid.model.event.Event;
import io.rgrid.model.event.ExecutionWaiting;
import io.rgrid.model.event.GridCapacityChanged;
import io.rgrid.model.event.WorkerHeartbeat;
import io.rgrid.model.event.WorkerLifecycleChanged;
import io.rgrid.platform.db.Transactions;
import io.rgrid.platform.messaging.BatchConsumer;
import io.rgrid.platform.messaging.BatchWork;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;

/**
 * Keeps {@link ClusterRepository}'s tables from {@link Topics#CLUSTER} and
 * {@link Topics#WORKER_HEARTBEATS} (channel {@value #CHANNEL}; heartbeats too: the dashboard shows
 * heartbeat age and slots in use). One group for every instance ({@code rgrid.cluster-consumer.group-id}:
 * they share the database). Each poll is applied in one transaction and its offsets are committed
 * after it; {@link BatchConsumer} retries it when the database fails.
 */
@ApplicationScoped
public class ClusterConsumer {

    static final String CHANNEL = "cluster";
    private static final Logger LOG = Logger.getLogger(ClusterConsumer.class);

    private final BatchConsumer consumer;
    private final BatchWork work;
    private final ClusterRepository repository;

    public ClusterConsumer(BatchConsumer consumer, Transactions tx, ClusterRepository repository) {
        this.consumer = consumer;
        this.repository = repository;
        this.work = BatchWork.inOneTransaction(tx, this::apply);
    }

    @Incoming(CHANNEL)
    @Blocking
    public void consume(ConsumerRecords<String, byte[]> records) {
        consumer.consume(CHANNEL, records, work);
    }

    void apply(Connection connection, Envelope<Event> envelope) throws SQLException {
        Instant at = envelope.occurredAt() == null ? Instant.now() : envelope.occurredAt();
        switch (envelope.payload()) {
            case WorkerLifecycleChanged w when w.workerId() != null -> repository.upsertWorker(connection, w, at);
            case ExecutionWaiting w when w.executionId() != null -> repository.upsertWait(connection, w, at);
            case CostSnapshot s -> repository.upsertCost(connection, s, at);
            case GridCapacityChanged g -> repository.upsertCapacity(connection, g, at);
            case WorkerHeartbeat h when h.workerId() != null -> repository.upsertHeartbeat(connection, h, at);
            default -> LOG.debugf("ignoring %s on the cluster topic", envelope.type());
        }
    }
}
