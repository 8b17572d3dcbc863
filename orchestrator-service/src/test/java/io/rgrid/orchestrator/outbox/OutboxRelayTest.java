package io.rgrid.orchestrator.outbox;

import io.rgrid.model.ExecutionState;
import io.rgrid.model.Topics;
import io.rgrid.model.event.Event;
import io.rgrid.model.event.EventCodec;
import io.rgrid.model.event.ExecutionStatusChanged;
import io.rgrid.orchestrator.config.RgridConfigTest;
import io.rgrid.orchestrator.kafka.KafkaClients;
import io.rgrid.platform.db.Transactions;
import io.rgrid.platform.outbox.OutboxRelay;
import io.rgrid.platform.outbox.OutboxSettings;
import io.rgrid.platform.produce.ProducerSettings;
import io.rgrid.platform.topics.TopicCreator;
import io.rgrid.testinfra.Servers;
import io.rgrid.testinfra.SharedServers;
import io.rgrid.testinfra.TestKafka;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * service-platform's relay on the orchestrator's outbox, against the real PostgreSQL and Kafka:
 * "Kafka being down delays, never drops", and per-key order holds while a whole batch is in flight.
 */
class OutboxRelayTest {

    private final Servers servers = SharedServers.get();
    private Transactions database;
    private String prefix;

    @BeforeEach
    void freshOutbox() {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setURL(servers.jdbcUrl("orch_outbox"));
        dataSource.setUser(servers.dbUser());
        dataSource.setPassword(servers.dbPassword());
        dataSource.setCurrentSchema("orchestrator");
        Flyway.configure().dataSource(dataSource).schemas("orchestrator").defaultSchema("orchestrator").load().migrate();
        database = new Transactions(dataSource);
        database.inTransaction(c -> {
            try (Statement s = c.createStatement()) {
                return s.executeUpdate("DELETE FROM outbox");
            }
        });
        prefix = "outbox-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    }

    @Test
    void eventsWaitWhileKafkaIsDownAndArePublishedInOrderOnceItIsUp() throws Exception {
        UUID executionId = UUID.randomUUID();
        // 1. Kafka unreachable: writes succeed, nothing is published, nothing is lost.
        List<Event> written = new ArrayList<>();
        for (int attempt = 1; attempt <= 5; attempt++) {
            written.add(status(executionId, attempt));
        }
        write(written);
        try (KafkaProducer<String, byte[]> deadProducer = producer("127.0.0.1:1")) {
            OutboxRelay down = relay(deadProducer, "127.0.0.1:1");
            down.start();
            Thread.sleep(2_000);
            down.stop();
        }
        assertThat(unpublished()).isEqualTo(5);

        // 2. Kafka back: everything is published, in the order it was written.
        publishEverything();
        Map<String, List<Integer>> attempts = readAttempts(5);
        assertThat(attempts.get(executionId.toString())).containsExactly(1, 2, 3, 4, 5);
    }

    /**
     * Several keys' events interleaved, more than one batch of them: each pass hands a whole batch
     * to the producer before it awaits any acknowledgement, and every key's events still arrive in
     * the order they were written, each once.
     */
    @Test
    void perKeyOrderHoldsWithAWholeBatchInFlight() throws Exception {
        int keys = 8;
        int perKey = 150;
        List<UUID> ids = new ArrayList<>();
        for (int k = 0; k < keys; k++) {
            ids.add(UUID.randomUUID());
        }
        List<Event> written = new ArrayList<>();
        for (int attempt = 1; attempt <= perKey; attempt++) {
            for (UUID id : ids) {
                written.add(status(id, attempt));
            }
        }
        write(written);
        publishEverything();
        List<Integer> expected = new ArrayList<>();
        for (int attempt = 1; attempt <= perKey; attempt++) {
            expected.add(attempt);
        }
        Map<String, List<Integer>> attempts = readAttempts(keys * perKey);
        assertThat(attempts).hasSize(keys);
        for (UUID id : ids) {
            assertThat(attempts.get(id.toString())).as("events of %s", id).containsExactlyElementsOf(expected);
        }
    }

    /** Runs a relay on the live broker until the outbox has nothing unpublished. */
    private void publishEverything() {
        try (KafkaProducer<String, byte[]> live = producer(servers.kafkaBootstrap())) {
            OutboxRelay relay = relay(live, servers.kafkaBootstrap());
            relay.start();
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> unpublished() == 0);
            } finally {
                relay.stop();
            }
        }
    }

    private void write(List<Event> events) {
        OutboxWriter writer = new OutboxWriter(new KafkaClients(RgridConfigTest.load(Map.of(
                "rgrid.kafka.topic-prefix", prefix))));
        database.inTransaction(c -> {
            writer.appendAll(c, events);
            return null;
        });
    }

    private static ExecutionStatusChanged status(UUID executionId, int attempt) {
        return new ExecutionStatusChanged(executionId, attempt, ExecutionState.QUEUED, null, null, null,
                "attempt " + attempt, ExecutionStatusChanged.ORCHESTRATOR, Instant.now());
    }

    /** The shared producer settings (acks=all, idempotence, no linger), as the service's channel has them. */
    private static KafkaProducer<String, byte[]> producer(String bootstrap) {
        Map<String, Object> props = new HashMap<>(new ProducerSettings().producer());
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    private OutboxRelay relay(KafkaProducer<String, byte[]> producer, String bootstrap) {
        OutboxSettings settings = new OutboxSettings(500, Duration.ofMillis(200), Duration.ofSeconds(1),
                Duration.ofSeconds(30), Duration.ofHours(24), Duration.ofHours(1));
        return new OutboxRelay(database, OrchestratorOutbox.TABLE, settings,
                row -> TestKafka.send(producer, row.topic(), row.key(), row.payload()),
                new TopicCreator(bootstrap, prefix, Duration.ofSeconds(5)), Clock.systemUTC());
    }

    private int unpublished() {
        return database.inTransaction(c -> {
            try (Statement s = c.createStatement();
                 ResultSet rows = s.executeQuery("SELECT count(*) FROM outbox WHERE published_at IS NULL")) {
                rows.next();
                return rows.getInt(1);
            }
        });
    }

    /** Attempts per key, in the order the topic holds them. */
    private Map<String, List<Integer>> readAttempts(int expected) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers.kafkaBootstrap());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "outbox-test-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        Map<String, List<Integer>> attempts = new LinkedHashMap<>();
        int seen = 0;
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(Topics.named(prefix, Topics.EXECUTION_STATUS)));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (seen < expected && System.nanoTime() < deadline) {
                for (var r : consumer.poll(Duration.ofMillis(200))) {
                    EventCodec.decode(r.value()).ifPresent(e -> attempts.computeIfAbsent(r.key(), k -> new ArrayList<>())
                            .add(((ExecutionStatusChanged) e.payload()).attempt()));
                    seen++;
                }
            }
        }
        return attempts;
    }
}
