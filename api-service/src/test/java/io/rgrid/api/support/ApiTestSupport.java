package io.rgrid.api.support;

import io.agroal.api.AgroalDataSource;
import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.messages.Item;
import io.rgrid.api.execution.repository.ExecutionRecord;
import io.rgrid.api.logs.LogHub;
import io.rgrid.model.Topics;
import io.rgrid.model.event.Envelope;
import io.rgrid.model.event.Event;
import io.rgrid.model.event.EventCodec;
import io.rgrid.model.event.ExecutionLogChunk;
import io.rgrid.model.event.ExecutionStatusChanged;
import io.rgrid.model.event.WorkerHeartbeat;
import io.rgrid.testinfra.SharedServers;
import io.rgrid.testinfra.SignedRecords;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/** Direct access to the servers behind the API, so tests check effects rather than only responses. */
@ApplicationScoped
public class ApiTestSupport {

    @Inject
    AgroalDataSource dataSource;

    @Inject
    MinioClient minio;

    @Inject
    LogHub logHub;

    @ConfigProperty(name = "rgrid.storage.bucket")
    String bucket;

    @ConfigProperty(name = "rgrid.kafka.topic-prefix", defaultValue = "")
    String prefix;

    public String topic(String canonical) {
        return Topics.named(prefix, canonical);
    }

    public long executionRows() throws Exception {
        return count("SELECT count(*) FROM api.executions");
    }

    public long rows(String sql, Object... params) throws Exception {
        return count(sql, params);
    }

    public void execute(String sql) throws Exception {
        try (Connection c = dataSource.getConnection(); var st = c.createStatement()) {
            st.execute(sql);
        }
    }

    public boolean executionExists(UUID id) throws Exception {
        return count("SELECT count(*) FROM api.executions WHERE id = ?", id) == 1;
    }

    public List<String> transitions(UUID id) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement st = c.prepareStatement("SELECT attempt, from_state, to_state FROM api.execution_transitions "
                     + "WHERE execution_id = ? ORDER BY id")) {
            st.setObject(1, id);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getInt(1) + ":" + rs.getString(2) + "->" + rs.getString(3));
                }
            }
        }
        return out;
    }

    private long count(String sql, Object... params) throws Exception {
        try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                st.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    public List<String> objectKeys() throws Exception {
        List<String> keys = new ArrayList<>();
        for (Result<Item> item : minio.listObjects(ListObjectsArgs.builder().bucket(bucket).recursive(true).build())) {
            keys.add(item.get().objectName());
        }
        return keys;
    }

    public boolean objectExists(String key) {
        try {
            minio.statObject(StatObjectArgs.builder().bucket(bucket).object(key).build());
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    public void putObject(String key, String text) throws Exception {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        minio.putObject(PutObjectArgs.builder().bucket(bucket).object(key)
                .stream(new ByteArrayInputStream(bytes), bytes.length, -1).contentType("text/plain").build());
    }

    /** Publishes a status report signed as its reporter would (SignedRecords). */
    public void publishStatus(ExecutionStatusChanged report) throws Exception {
        publish(Topics.EXECUTION_STATUS, report);
    }

    /**
     * Publishes any event to its canonical topic (prefix applied), keyed as the event says and signed
     * as its producer would sign it (SignedRecords; a heartbeat with a token the API cannot check anyway).
     */
    public void publish(String canonicalTopic, Event event) throws Exception {
        send(event instanceof WorkerHeartbeat heartbeat
                ? SignedRecords.heartbeat(topic(canonicalTopic), heartbeat, "a-token-the-api-does-not-know")
                : SignedRecords.signed(topic(canonicalTopic), event));
    }

    /** Sends one record as it is (forged ones included) and waits for the broker to have it. */
    public void send(ProducerRecord<String, byte[]> record) throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(SharedServers.get().kafka().admin(Map.of(
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class)))) {
            producer.send(record).get(30, TimeUnit.SECONDS);
        }
    }

    /** The live log chunks the API holds for {@code id} (what a follower starting now gets first). */
    public List<ExecutionLogChunk> bufferedChunks(UUID id) {
        List<ExecutionLogChunk> got = new java.util.concurrent.CopyOnWriteArrayList<>();
        LogHub.Follower probe = new LogHub.Follower() {
            @Override
            public void chunk(ExecutionLogChunk chunk) {
                got.add(chunk);
            }

            @Override
            public void end(ExecutionRecord row) {
            }
        };
        logHub.follow(id, probe);
        logHub.unfollow(id, probe);
        return got;
    }

    /** Publishes bytes, unsigned, to the status topic (malformed-record tests). */
    public void publishRaw(String key, byte[] value) throws Exception {
        send(new ProducerRecord<>(topic(Topics.EXECUTION_STATUS), key, value));
    }

    /** Reads the executions topic from the start until an event for {@code executionId} of the given type shows up. */
    public Optional<ConsumerRecord<String, byte[]>> awaitExecutionEvent(UUID executionId, String type, Duration timeout) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(SharedServers.get().kafka().admin(Map.of(
                ConsumerConfig.GROUP_ID_CONFIG, "api-test-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class)))) {
            consumer.subscribe(List.of(topic(Topics.EXECUTIONS)));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    Optional<Envelope<Event>> envelope = EventCodec.decode(record.value());
                    if (envelope.isPresent() && envelope.get().type().equals(type)
                            && record.key().equals(executionId.toString())) {
                        return Optional.of(record);
                    }
                }
            }
            return Optional.empty();
        }
    }
}
