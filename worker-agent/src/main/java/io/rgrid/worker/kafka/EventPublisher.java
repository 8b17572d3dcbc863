package io.rgrid.worker.kafka;

import io.micrometer.core.instrument.MeterRegistry;
import io.rgrid.model.Topics;
import io.rgrid.model.event.Envelope;
import io.rgrid.model.event.Event;
import io.rgrid.model.event.EventCodec;
import io.rgrid.model.event.ExecutionLogChunk;
import io.rgrid.model.event.ExecutionStatusChanged;
import io.rgrid.model.event.WorkerHeartbeat;
import io.rgrid.worker.config.AgentIdentity;
import io.rgrid.worker.config.WorkerConfig;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.BeforeDestroyed;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;

/**
 * Everything the agent tells the rest of the grid goes through here, on the SmallRye Reactive
 * Messaging channel {@value #CHANNEL} (settings in the agent's application.properties; each
 * record names its topic and key). Status reports are sent and retried until Kafka acknowledges
 * them: a lost terminal report would leave an execution RUNNING forever. Log chunks and
 * heartbeats are fire-and-forget and never throw into the caller (the log is also in S3; the next
 * heartbeat supersedes a lost one): one the channel cannot take is dropped, counted in
 * {@code rgrid_agent_events_dropped_total{type}} and logged at debug. An outage is logged once:
 * one WARN at the first failed send, one INFO at the first delivered one after it
 * ({@link KafkaOutage}; the connector's own line per failed message is filtered out,
 * {@link KafkaSendFailureFilter}). The agent creates no topic: the control plane does, and the
 * brokers we ship do not auto-create them. Every record is signed ({@link ReportSigner}): an
 * attempt's reports and log chunks with its attempt key, heartbeats with the worker's token; the
 * control plane dead-letters what does not verify.
 */
@ApplicationScoped
public class EventPublisher {

    /** The channel's name, for its settings. */
    public static final String CHANNEL = "rgrid-agent-events";
    /**
     * Messages the emitter holds while the connector cannot take more (Kafka away, or
     * {@code max-inflight-messages} unacknowledged): a log chunk is at most 16 Ki characters, so
     * this and the 64 in flight stay a few MiB on the agent's 48 MiB heap. Beyond it a log chunk
     * or heartbeat is dropped and a status report is retried after a pause.
     */
    static final int BUFFER = 64;

    private static final Logger LOG = Logger.getLogger(EventPublisher.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);
    /** Longer than the channel's 5 s max.block plus 30 s delivery timeout: one try never waits for ever. */
    private static final Duration TRY_TIMEOUT = Duration.ofSeconds(40);

    private final MutinyEmitter<byte[]> emitter;
    private final MeterRegistry metrics;
    private final String statusTopic;
    private final String logsTopic;
    private final String heartbeatsTopic;
    private final ReportSigner heartbeatSigner;
    private final KafkaOutage outage = new KafkaOutage();
    private volatile boolean closed;
    /** Sends asynchronous status reports; mostly idle, so virtual threads (no pool to keep). */
    private final Executor statusSender =
            Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("rgrid-status-", 0).factory());

    @Inject
    public EventPublisher(WorkerConfig config, AgentIdentity identity, MeterRegistry metrics,
                          @Channel(CHANNEL) @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = BUFFER)
                          MutinyEmitter<byte[]> emitter) {
        this.emitter = emitter;
        this.metrics = metrics;
        String prefix = config.kafka().topicPrefix().orElse("");
        this.statusTopic = Topics.named(prefix, Topics.EXECUTION_STATUS);
        this.logsTopic = Topics.named(prefix, Topics.EXECUTION_LOGS);
        this.heartbeatsTopic = Topics.named(prefix, Topics.WORKER_HEARTBEATS);
        this.heartbeatSigner = ReportSigner.token(identity.workerId(), identity.token());
    }

    /**
     * Sends a status report, signed by {@code signer} (its attempt's), and returns only once Kafka
     * has it (retrying while Kafka is unavailable).
     */
    public void publishStatus(ExecutionStatusChanged status, ReportSigner signer) {
        long backoffMs = 200;
        for (int tries = 1; ; tries++) {
            try {
                send(statusTopic, status, signer).await().atMost(TRY_TIMEOUT);
                delivered();
                if (tries > 1) {
                    LOG.infof("Status %s of %s/%d delivered after %d tries", status.state(), status.executionId(),
                            status.attempt(), tries);
                }
                return;
            } catch (RuntimeException e) {
                if (Thread.currentThread().isInterrupted()) {
                    LOG.errorf("Interrupted before status %s of %s/%d reached Kafka", status.state(),
                            status.executionId(), status.attempt());
                    return;
                }
                if (closed) {
                    LOG.errorf("Shutting down: status %s of %s/%d was not delivered: %s", status.state(),
                            status.executionId(), status.attempt(), e.getMessage());
                    return;
                }
                failed(e);
                LOG.infof("Status %s of %s/%d not delivered yet (try %d): %s; retrying", status.state(),
                        status.executionId(), status.attempt(), tries, rootCause(e).getMessage());
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
    public CompletableFuture<Void> publishStatusAsync(ExecutionStatusChanged status, ReportSigner signer) {
        return CompletableFuture.runAsync(() -> publishStatus(status, signer), statusSender);
    }

    /** Sends a log chunk signed by {@code signer} (its attempt's). */
    public void publishLog(ExecutionLogChunk chunk, ReportSigner signer) {
        sendAndForget(logsTopic, chunk, signer);
    }

    public void publishHeartbeat(WorkerHeartbeat heartbeat) {
        sendAndForget(heartbeatsTopic, heartbeat, heartbeatSigner);
    }

    /** Sends a heartbeat and waits (bounded) for it to be acknowledged: used for the last one before exit. */
    public boolean publishHeartbeatAndWait(WorkerHeartbeat heartbeat, Duration timeout) {
        try {
            send(heartbeatsTopic, heartbeat, heartbeatSigner).await().atMost(timeout);
            delivered();
            return true;
        } catch (RuntimeException e) {
            LOG.warnf("Final heartbeat not delivered within %s: %s", timeout, e.getMessage());
            return false;
        }
    }

    /**
     * The event as a message for its topic, keyed as the event says and signed by {@code signer}; the
     * Uni completes when Kafka acknowledged it and fails when the connector gave up on it (nack) or
     * the emitter's buffer is full.
     */
    private Uni<Void> send(String topic, Event event, ReportSigner signer) {
        byte[] value = EventCodec.encode(Envelope.of(event));
        Message<byte[]> message = Message.of(value).addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                .withTopic(topic).withKey(event.key()).withHeaders(signer.headers(event.key(), value)).build());
        return Uni.createFrom().deferred(() -> emitter.sendMessage(message));
    }

    private void sendAndForget(String topic, Event event, ReportSigner signer) {
        try {
            send(topic, event, signer).subscribe().with(ignored -> delivered(), e -> dropped(topic, event, e));
        } catch (RuntimeException e) {
            dropped(topic, event, e);
        }
    }

    private void dropped(String topic, Event event, Throwable why) {
        String type = event.getClass().getSimpleName();
        metrics.counter("rgrid_agent_events_dropped_total", "type", type).increment();
        LOG.debugf("%s not delivered to %s: %s", type, topic, why.getMessage());
        failed(why);
    }

    private void failed(Throwable why) {
        if (outage.failed(Instant.now())) {
            LOG.warnf("Kafka does not take the agent's messages (%s): status reports are kept and retried, log chunks"
                    + " and heartbeats dropped (rgrid_agent_events_dropped_total) until it does; one line when it does",
                    rootCause(why).getMessage());
        }
    }

    /** The connector wraps what Kafka said (in Mutiny's "Retries exhausted"): that is what an operator needs. */
    private static Throwable rootCause(Throwable failure) {
        Throwable cause = failure;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause;
    }

    private void delivered() {
        outage.delivered(Instant.now()).ifPresent(ended -> LOG.infof(
                "Kafka takes the agent's messages again, %d s after the first failed send (%d sends failed meanwhile)",
                ended.lasted().toSeconds(), ended.failedSends()));
    }

    /**
     * Once the agent has drained (ShutdownEvent) and the beans are about to go, status retries stop:
     * before the connector flushes and closes its producer (its close-timeout, priority 50).
     */
    void close(@Observes @Priority(10) @BeforeDestroyed(ApplicationScoped.class) Object event) {
        closed = true;
    }
}
