package io.rgrid.orchestrator.outbox;

import io.rgrid.model.ExecutionState;
import io.rgrid.model.Topics;
import io.rgrid.model.event.EventCodec;
import io.rgrid.model.event.ExecutionStatusChanged;
import io.rgrid.orchestrator.config.RgridConfigTest;
import io.rgrid.orchestrator.kafka.KafkaClients;
import io.rgrid.platform.db.Transactions;
import io.rgrid.testinfra.Servers;
import io.rgrid.testinfra.SharedServers;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * "Kafka being down delays, never drops": events written while the broker is unreachable stay in
 * the outbox, and once a relay reaches a broker they are published, in the order they were written.
 */
class OutboxRelayTest {

    @Test
    void eventsWaitWhileKafkaIsDownAndArePublishedInOrderOnceItIsUp() throws Exception {
        Servers servers = SharedServers.get();
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setURL(servers.jdbcUrl("orch_outbox"));
        dataSource.setUser(servers.dbUser());
        dataSource.setPassword(servers.dbPassword());
        dataSource.setCurrentSchema("orchestrator");
        Flyway.configure().dataSource(dataSource).schemas("orchestrator").defaultSchema("orchestrator").load().migrate();
        Transactions database = new Transactions(dataSource);
        database.inTransaction(c -> {
            try (Statement s = c.createStatement()) {
                return s.executeUpdate("DELETE FROM outbox");
            }
        });

        String prefix = "outbox-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        UUID executionId = UUID.randomUUID();

        // 1. Kafka unreachable: writes succeed, nothing is published, nothing is lost.
        OutboxRelay down = relay(database, "127.0.0.1:1", prefix);
        List<ExecutionStatusChanged> written = new ArrayList<>();
        for (int attempt = 1; attempt <= 5; attempt++) {
            ExecutionStatusChanged event = new ExecutionStatusChanged(executionId, attempt, ExecutionState.QUEUED,
                    null, null, null, "attempt " + attempt, ExecutionStatusChanged.ORCHESTRATOR, Instant.now());
            written.add(event);
            database.inTransaction(c -> {
                writer(down).append(c, event);
                return null;
            });
        }
        down.start();
        Thread.sleep(2_000);
        down.stop();
        assertThat(unpublished(database)).isEqualTo(5);

        // 2. Kafka back: everything is published, in the order it was written.
        OutboxRelay up = relay(database, servers.kafkaBootstrap(), prefix);
        up.start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> unpublished(database) == 0);
        } finally {
            up.stop();
        }
        List<Integer> attempts = readAttempts(servers.kafkaBootstrap(), Topics.named(prefix, Topics.EXECUTION_STATUS), 5);
        assertThat(attempts).containsExactly(1, 2, 3, 4, 5);
    }

    private static final Map<OutboxRelay, OutboxWriter> WRITERS = new java.util.IdentityHashMap<>();

    private static OutboxWriter writer(OutboxRelay relay) {
        return WRITERS.get(relay);
    }

    private static OutboxRelay relay(Transactions database, String bootstrap, String prefix) {
        KafkaClients kafka = new KafkaClients(RgridConfigTest.load(Map.of("rgrid.kafka.bootstrap-servers", bootstrap,
                "rgrid.kafka.topic-prefix", prefix)));
        OutboxRelay relay = new OutboxRelay();
        relay.database = database;
        relay.kafka = kafka;
        OutboxWriter writer = new OutboxWriter();
        writer.kafka = kafka;
        writer.relay = relay;
        WRITERS.put(relay, writer);
        return relay;
    }

    private static int unpublished(Transactions database) {
        return database.inTransaction(c -> {
            try (Statement s = c.createStatement();
                 ResultSet rows = s.executeQuery("SELECT count(*) FROM outbox WHERE published_at IS NULL")) {
                rows.next();
                return rows.getInt(1);
            }
        });
    }

    private static List<Integer> readAttempts(String bootstrap, String topic, int expected) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "outbox-test-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<Integer> attempts = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (attempts.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> EventCodec.decode(r.value())
                        .ifPresent(e -> attempts.add(((ExecutionStatusChanged) e.payload()).attempt())));
            }
        }
        return attempts;
    }
}
