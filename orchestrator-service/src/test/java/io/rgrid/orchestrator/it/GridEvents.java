package io.rgrid.orchestrator.it;

import io.minio.BucketExistsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.rgrid.model.ExecutionSpec;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.NetworkMode;
import io.rgrid.model.Topics;
import io.rgrid.model.event.Envelope;
import io.rgrid.model.event.Event;
import io.rgrid.model.event.EventCodec;
import io.rgrid.model.event.ExecutionStatusChanged;
import io.rgrid.model.event.ExecutionSubmitted;
import io.rgrid.model.event.WorkerHeartbeat;
import io.rgrid.model.event.WorkerLifecycleChanged;
import io.rgrid.model.storage.StorageKeys;
import io.rgrid.orchestrator.config.RgridConfig;
import io.rgrid.testinfra.SharedServers;
import io.rgrid.testinfra.SignedRecords;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * Plays api-service's part against the real servers: uploads scripts, produces commands, and
 * collects what is published on the status and cluster topics.
 */
final class GridEvents implements AutoCloseable {

    static final Duration PATIENCE = Duration.ofSeconds(120);

    private final RgridConfig config;
    private final KafkaProducer<String, byte[]> producer;
    private final ConcurrentLinkedQueue<Envelope<Event>> seen = new ConcurrentLinkedQueue<>();
    private final Thread listener;
    private final MinioClient s3;
    private volatile boolean listening = true;

    GridEvents(RgridConfig config) throws Exception {
        this.config = config;
        Properties props = new Properties();
        props.putAll(SharedServers.get().kafka().admin());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());

        Properties consumerProps = new Properties();
        consumerProps.putAll(SharedServers.get().kafka().admin());
        consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, "orch-test-" + UUID.randomUUID());
        consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(consumerProps, new StringDeserializer(),
                new ByteArrayDeserializer());
        consumer.subscribe(List.of(topic(Topics.EXECUTION_STATUS), topic(Topics.CLUSTER)));
        listener = new Thread(() -> {
            try (consumer) {
                while (listening) {
                    consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                        try {
                            EventCodec.decode(r.value()).ifPresent(seen::add);
                        } catch (RuntimeException e) {
                            // a malformed record is the orchestrator's business, not this listener's
                        }
                    });
                }
            }
        }, "test-listener");
        listener.start();

        s3 = MinioClient.builder().endpoint(config.storage().endpoint())
                .credentials(config.storage().accessKey(), config.storage().secretKey())
                .region(config.storage().region()).build();
        String bucket = config.storage().bucket();
        if (!s3.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
            s3.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
        }
    }

    static ExecutionSpec spec(double cpus, int memoryMb, int maxAttempts) {
        return new ExecutionSpec("rgrid/python:3.11-local", List.of(), Map.of(), cpus, memoryMb, 60, NetworkMode.NONE,
                maxAttempts, Map.of());
    }

    void submit(UUID id, String project, ExecutionSpec spec, String script) throws Exception {
        byte[] bytes = script.getBytes(StandardCharsets.UTF_8);
        s3.putObject(PutObjectArgs.builder().bucket(config.storage().bucket()).object(StorageKeys.script(id))
                .stream(new ByteArrayInputStream(bytes), bytes.length, -1).build());
        send(new ExecutionSubmitted(id, project, 1, spec, StorageKeys.script(id), Map.of(), null, Instant.now()));
    }

    /** Produces a command on the executions topic, signed by the control plane as api-service signs it. */
    void send(Event event) throws Exception {
        sendTo(Topics.EXECUTIONS, event);
    }

    /** Produces an event on another of the grid's topics, signed as its producer would (SignedRecords). */
    void sendTo(String canonicalTopic, Event event) throws Exception {
        send(SignedRecords.signed(topic(canonicalTopic), event));
    }

    /** Produces a heartbeat signed with {@code token}, playing the agent holding that token. */
    void sendHeartbeat(WorkerHeartbeat heartbeat, String token) throws Exception {
        send(SignedRecords.heartbeat(topic(Topics.WORKER_HEARTBEATS), heartbeat, token));
    }

    /** Produces raw bytes, unsigned, for malformed-record tests. */
    void sendRaw(String canonicalTopic, String key, byte[] value) throws Exception {
        send(new ProducerRecord<>(topic(canonicalTopic), key, value));
    }

    /** Produces one record as it is (a forged one, for instance). */
    void send(ProducerRecord<String, byte[]> record) throws Exception {
        producer.send(record).get(10, TimeUnit.SECONDS);
    }

    String topic(String canonical) {
        return Topics.named(config.kafka().topicPrefix().orElse(""), canonical);
    }

    List<ExecutionStatusChanged> statuses(UUID id) {
        return seen.stream().map(Envelope::payload)
                .filter(e -> e instanceof ExecutionStatusChanged s && s.executionId().equals(id))
                .map(ExecutionStatusChanged.class::cast).toList();
    }

    List<WorkerLifecycleChanged> lifecycle(String workerId) {
        return seen.stream().map(Envelope::payload)
                .filter(e -> e instanceof WorkerLifecycleChanged w && w.workerId().equals(workerId))
                .map(WorkerLifecycleChanged.class::cast).toList();
    }

    /** Lifecycle events of every worker, in the order seen, with their envelopes (for occurredAt). */
    List<Envelope<Event>> lifecycleEnvelopes() {
        return seen.stream().filter(e -> e.payload() instanceof WorkerLifecycleChanged).toList();
    }

    /** Every event of one type seen so far. */
    <T extends Event> List<T> events(Class<T> type) {
        return seen.stream().map(Envelope::payload).filter(type::isInstance).map(type::cast).toList();
    }

    ExecutionStatusChanged awaitStatus(UUID id, ExecutionState state) {
        return await().atMost(PATIENCE).pollInterval(Duration.ofMillis(200))
                .alias(id + " reaching " + state)
                .until(() -> statuses(id).stream().filter(s -> s.state() == state).findFirst().orElse(null),
                        Objects::nonNull);
    }

    /**
     * The shared database outlives a test class (and a test run): executions and workers left by
     * earlier ones are ended so they cannot take this class's workers or slots.
     */
    static void endLeftovers(javax.sql.DataSource dataSource) throws java.sql.SQLException {
        try (java.sql.Connection c = dataSource.getConnection(); java.sql.Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE executions SET state = 'CANCELLED', updated_at = now() "
                    + "WHERE state IN ('QUEUED', 'ASSIGNED', 'RUNNING')");
            s.executeUpdate("UPDATE workers SET state = 'DELETED', updated_at = now() WHERE state <> 'DELETED'");
        }
    }

    @Override
    public void close() throws InterruptedException {
        listening = false;
        listener.join(5_000);
        producer.close();
    }
}
