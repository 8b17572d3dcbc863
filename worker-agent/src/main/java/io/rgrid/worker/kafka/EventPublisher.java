package io.rgrid.worker.kafka;

import io.rgrid.model.Topics;
import io.rgrid.model.event.Envelope;
import io.rgrid.model.event.Event;
import io.rgrid.model.event.EventCodec;
import io.rgrid.model.event.ExecutionLogChunk;
import io.rgrid.model.event.ExecutionStatusChanged;
import io.rgrid.model.event.WorkerHeartbeat;
import io.rgrid.worker.config.WorkerConfig;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Everything the agent tells the rest of the grid goes through here. Status reports are sent
 * synchronously and retried until Kafka takes them: a lost terminal report would leave an
 * execution RUNNING forever. Log chunks and heartbeats are fire-and-forget (the log is also in
 * S3; the next heartbeat supersedes a lost one). The agent creates no topic: the control plane
 * does, and the brokers we ship do not auto-create them.
 */
@ApplicationScoped
public class EventPublisher {

    private static final Logger LOG = Logger.getLogger(EventPublisher.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

    private final KafkaProducer<String, byte[]> producer;
    private final String statusTopic;
    private final String logsTopic;
    private final String heartbeatsTopic;
    private volatile boolean closed;
    /** Sends asynchronous status reports; mostly idle, so virtual threads (no pool to keep). */
    private final java.util.concurrent.Executor statusSender =
            Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("rgrid-status-", 0).factory());

    @Inject
    public EventPublisher(WorkerConfig config) {
        String prefix = config.kafka().topicPrefix().orElse("");
        this.statusTopic = Topics.named(prefix, Topics.EXECUTION_STATUS);
        this.logsTopic = Topics.named(prefix, Topics.EXECUTION_LOGS);
        this.heartbeatsTopic = Topics.named(prefix, Topics.WORKER_HEARTBEATS);
        String bootstrap = config.kafka().bootstrapServers();
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.CLIENT_ID_CONFIG, "rgrid-worker-agent",
                // No batching delay: a status report is waited for, and the client's default 5 ms
                // would be added to each. Log chunks are batched by the agent already (200 ms).
                ProducerConfig.LINGER_MS_CONFIG, 0,
                // Records waiting for Kafka live on the heap (-Xmx48m, jvm.options): 8 MiB instead of
                // the client's 32 MiB, so log chunks piling up while Kafka is away cannot exhaust it
                // (send() then blocks up to max.block.ms and the chunk is dropped; it is in S3 too).
                ProducerConfig.BUFFER_MEMORY_CONFIG, 8L * 1024 * 1024,
                // Bounded so a send fails and is retried by us (with logging) instead of hanging unseen.
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000),
                new StringSerializer(), new ByteArraySerializer());
    }

    /** Sends a status report and returns only once Kafka has it (retrying while Kafka is unavailable). */
    public void publishStatus(ExecutionStatusChanged status) {
        Envelope<ExecutionStatusChanged> envelope = Envelope.of(status);
        byte[] value = EventCodec.encode(envelope);
        long backoffMs = 200;
        for (int tries = 1; ; tries++) {
            try {
                producer.send(new ProducerRecord<>(statusTopic, status.key(), value)).get();
                if (tries > 1) {
                    LOG.infof("Status %s of %s/%d delivered after %d tries", status.state(), status.executionId(),
                            status.attempt(), tries);
                }
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                LOG.errorf("Interrupted before status %s of %s/%d reached Kafka", status.state(), status.executionId(),
                        status.attempt());
                return;
            } catch (ExecutionException | RuntimeException e) {
                if (closed) {
                    LOG.errorf("Shutting down: status %s of %s/%d was not delivered: %s", status.state(),
                            status.executionId(), status.attempt(), e.getMessage());
                    return;
                }
                LOG.warnf("Status %s of %s/%d not delivered yet (try %d): %s; retrying", status.state(),
                        status.executionId(), status.attempt(), tries, e.getMessage());
                try {
                    Thread.sleep(backoffMs);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
                backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF.toMillis());
            }
        }
    }

    /**
     * Sends a status report from another thread, with the same retries as {@link #publishStatus}.
     * The returned future completes once Kafka has it; a later report of the same attempt must be
     * sent only after it completed, so the two arrive in order.
     */
    public CompletableFuture<Void> publishStatusAsync(ExecutionStatusChanged status) {
        return CompletableFuture.runAsync(() -> publishStatus(status), statusSender);
    }

    public void publishLog(ExecutionLogChunk chunk) {
        sendAsync(logsTopic, chunk);
    }

    public void publishHeartbeat(WorkerHeartbeat heartbeat) {
        sendAsync(heartbeatsTopic, heartbeat);
    }

    /** Sends a heartbeat and waits (bounded) for it to be acknowledged: used for the last one before exit. */
    public boolean publishHeartbeatAndWait(WorkerHeartbeat heartbeat, Duration timeout) {
        // send() itself blocks while Kafka is unreachable (metadata wait), so bound the whole call, not just the ack.
        CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
            try {
                producer.send(new ProducerRecord<>(heartbeatsTopic, heartbeat.key(),
                        EventCodec.encode(Envelope.of(heartbeat)))).get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } catch (ExecutionException e) {
                throw new IllegalStateException(e.getCause());
            }
        }, runnable -> Thread.ofPlatform().daemon().name("rgrid-final-heartbeat").start(runnable));
        try {
            sent.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (Exception e) {
            String why = e instanceof TimeoutException ? "Kafka did not take it within " + timeout
                    : String.valueOf(e.getCause() != null ? e.getCause().getMessage() : e.getMessage());
            LOG.warnf("Final heartbeat not delivered: %s", why);
            return false;
        }
    }

    private void sendAsync(String topic, Event event) {
        try {
            producer.send(new ProducerRecord<>(topic, event.key(), EventCodec.encode(Envelope.of(event))), (meta, e) -> {
                if (e != null) {
                    LOG.debugf("%s not delivered to %s: %s", event.getClass().getSimpleName(), topic, e.getMessage());
                }
            });
        } catch (RuntimeException e) {
            LOG.debugf("%s not sent to %s: %s", event.getClass().getSimpleName(), topic, e.getMessage());
        }
    }

    @PreDestroy
    void close() {
        closed = true;
        producer.close(Duration.ofSeconds(5));
    }
}
