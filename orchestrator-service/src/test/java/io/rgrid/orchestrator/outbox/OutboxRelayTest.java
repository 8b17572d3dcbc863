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
import org.apache.kafka.common.TopicPartition;
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
        try (KafkaProducer<String, byte[]> deadProducer = producer(unreachable())) {
            OutboxRelay down = relay(deadProducer, unreachable());
            down.start();
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).until(() -> unpublished() == 5);
            down.stop();
        }
        assertThat(unpublished()).isEqualTo(5);

        // 2. Kafka back: everything is published, in the order it was written.
        publishEverything();
        Map<String, List<Integer>> attempts = readAttempts();
        assertLastCopiesInOrder(attempts.get(executionId.toString()), List.of(1, 2, 3, 4, 5));
    }

    /**
     * Several keys' events interleaved, more than one batch of them: each pass hands a whole batch
     * to the producer before it awaits any acknowledgement, and every key's events still arrive in
     * the order they were written (their last copies: see {@link #assertLastCopiesInOrder}).
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
        Map<String, List<Integer>> attempts = readAttempts();
        assertThat(attempts).hasSize(keys);
        for (UUID id : ids) {
            assertLastCopiesInOrder(attempts.get(id.toString()), expected);
        }
    }

    /**
     * Two instances of a service (issue 27), each writing and waking its own relay on the same
     * outbox: every key's second event (a cancel) is committed right after its first (the
     * submission), and the two relays run at once. Whichever relays, each key's events arrive in
     * the order they were committed: one relay works the table at a time (the pass's lock), so a
     * cancel never overtakes its submission.
     */
    @Test
    void twoInstancesRelayEachKeysEventsInCommitOrder() throws Exception {
        int keysPerInstance = 100;
        List<UUID> ids = new ArrayList<>();
        try (KafkaProducer<String, byte[]> producerA = producer(servers.kafka().admin());
             KafkaProducer<String, byte[]> producerB = producer(servers.kafka().admin())) {
            OutboxRelay relayA = relay(producerA, servers.kafka().admin());
            OutboxRelay relayB = relay(producerB, servers.kafka().admin());
            relayA.start();
            relayB.start();
            try {
                List<Thread> instances = new ArrayList<>();
                for (OutboxRelay relay : List.of(relayA, relayB)) {
                    List<UUID> mine = new ArrayList<>();
                    for (int k = 0; k < keysPerInstance; k++) {
                        mine.add(UUID.randomUUID());
                    }
                    ids.addAll(mine);
                    instances.add(Thread.ofPlatform().start(() -> {
                        for (UUID id : mine) {
                            write(List.of(status(id, 1)));
                            relay.wake();
                            write(List.of(status(id, 2)));
                            relay.wake();
                        }
                    }));
                }
                for (Thread t : instances) {
                    t.join();
                }
                await().atMost(Duration.ofSeconds(60)).until(() -> unpublished() == 0);
            } finally {
                relayA.stop();
                relayB.stop();
            }
        }
        Map<String, List<Integer>> attempts = readAttempts();
        for (UUID id : ids) {
            assertLastCopiesInOrder(attempts.get(id.toString()), List.of(1, 2));
        }
    }

    /** Runs a relay on the live broker until the outbox has nothing unpublished. */
    private void publishEverything() {
        try (KafkaProducer<String, byte[]> live = producer(servers.kafka().admin())) {
            OutboxRelay relay = relay(live, servers.kafka().admin());
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
    /** The shared servers' login with a port nobody listens on. */
    private Map<String, Object> unreachable() {
        return servers.kafka().admin(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1"));
    }

    private static KafkaProducer<String, byte[]> producer(Map<String, Object> client) {
        Map<String, Object> props = new HashMap<>(new ProducerSettings().producer());
        props.putAll(client);
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    private OutboxRelay relay(KafkaProducer<String, byte[]> producer, Map<String, Object> client) {
        OutboxSettings settings = new OutboxSettings(500, Duration.ofMillis(200), Duration.ofSeconds(1),
                Duration.ofSeconds(30), Duration.ofHours(24), Duration.ofHours(1));
        return new OutboxRelay(database, OrchestratorOutbox.TABLE, settings,
                row -> TestKafka.send(producer, row.topic(), row.key(), row.payload()),
                new TopicCreator(client, prefix, Duration.ofSeconds(5)), Clock.systemUTC());
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

    /**
     * The relay's guarantee (service-platform README, "Per-key order, exactly"): every event
     * arrives, and the last copy of each is in commit order. A copy before that comes from a pass
     * in which the producer wrote a key's later batch after an earlier one failed (a fresh
     * partition's first batch stalled so in CI); the next pass sends everything from the failed
     * row again, in order. Nothing else may be in the list.
     */
    private static void assertLastCopiesInOrder(List<Integer> arrived, List<Integer> committed) {
        assertThat(arrived).as("events of a key").isNotNull();
        assertThat(arrived).as("events of a key, copies included").containsOnlyElementsOf(committed)
                .containsAll(committed);
        List<Integer> lastCopies = new ArrayList<>();
        for (int i = 0; i < arrived.size(); i++) {
            if (arrived.subList(i + 1, arrived.size()).contains(arrived.get(i))) {
                continue; // a later copy of this event follows
            }
            lastCopies.add(arrived.get(i));
        }
        assertThat(lastCopies).as("the last copy of each event, in topic order (all copies: %s)", arrived)
                .containsExactlyElementsOf(committed);
    }

    /** Attempts per key, in the order the topic holds them: everything up to the partitions' ends. */
    private Map<String, List<Integer>> readAttempts() {
        Properties props = new Properties();
        props.putAll(servers.kafka().admin());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        Map<String, List<Integer>> attempts = new LinkedHashMap<>();
        String topic = Topics.named(prefix, Topics.EXECUTION_STATUS);
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                assertThat(System.nanoTime()).as("read %s to its end within 30 s", topic).isLessThan(deadline);
                for (var r : consumer.poll(Duration.ofMillis(200))) {
                    EventCodec.decode(r.value()).ifPresent(e -> attempts.computeIfAbsent(r.key(), k -> new ArrayList<>())
                            .add(((ExecutionStatusChanged) e.payload()).attempt()));
                }
            }
        }
        return attempts;
    }
}
