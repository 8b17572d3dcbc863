package io.rgrid.api.kafka;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.rgrid.api.support.ApiTestSupport;
import io.rgrid.api.support.TcpGate;
import io.rgrid.model.Topics;
import io.rgrid.model.event.EventCodec;
import io.rgrid.model.event.WorkerHeartbeat;
import io.rgrid.platform.db.Transactions;
import io.rgrid.platform.messaging.BatchWork;
import io.rgrid.platform.messaging.DeadLetters;
import io.rgrid.testinfra.SharedServers;
import io.rgrid.testinfra.SignedRecords;
import io.rgrid.testinfra.SharedServersResource;
import jakarta.inject.Inject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * service-platform's BatchConsumer on a real broker and a real PostgreSQL, through a probe channel
 * configured like the service's own: a record its work refuses is dead-lettered (after the
 * retries, the batch split) while the records after it are applied; a record that is not an
 * event is dead-lettered at once; and while the database cannot be reached nothing is
 * dead-lettered however often the batch fails; it is applied once the database is back.
 */
@QuarkusTest
@TestProfile(BatchConsumerDeadLetterTest.Probe.class)
@QuarkusTestResource(value = SharedServersResource.class, initArgs = @ResourceArg(name = "namespace", value = "api"))
class BatchConsumerDeadLetterTest {

    /** The probe channel on a topic and group of its own per run (a broker outlives one test JVM). */
    public static class Probe implements QuarkusTestProfile {
        static final String RUN = UUID.randomUUID().toString().substring(0, 8);

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("test.probe-consumer", "true",
                    "mp.messaging.incoming.platform-probe.topic", "${rgrid.kafka.topic-prefix:}rgrid.probe-" + RUN,
                    "mp.messaging.incoming.platform-probe.group.id", "rgrid-api-probe-" + RUN,
                    "rgrid.messaging.max-attempts", "3");
        }
    }

    @Inject
    ProbeConsumer probe;

    @Inject
    Transactions tx;

    @Inject
    ApiTestSupport servers;


    @ConfigProperty(name = "mp.messaging.incoming.platform-probe.topic")
    String probeTopic;

    @BeforeEach
    void probeTopicAndTable() throws Exception {
        servers.execute("CREATE TABLE IF NOT EXISTS api.probe_applied (marker text PRIMARY KEY)");
        try (Admin admin = Admin.create(SharedServers.get().kafka().admin())) {
            if (!admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(probeTopic)) {
                admin.createTopics(List.of(new NewTopic(probeTopic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aPoisonRecordIsDeadLetteredAndTheRecordsAfterItAreApplied() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        probe.use(BatchWork.inOneTransaction(tx, (connection, event) -> {
            String marker = ((WorkerHeartbeat) event.payload()).workerId();
            if (marker.endsWith("poison")) {
                throw new IllegalArgumentException("refused " + marker);
            }
            insert(connection, marker);
        }));

        send(run, heartbeat(run + "-a"), heartbeat(run + "-poison"), heartbeat(run + "-b"),
                "not an event".getBytes(StandardCharsets.UTF_8), heartbeat(run + "-c"));

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThat(applied(run)).containsExactlyInAnyOrder(run + "-a", run + "-b", run + "-c"));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(deadLetters(run)).hasSize(2));
        List<ConsumerRecord<String, byte[]>> dead = deadLetters(run);
        assertThat(dead).extracting(r -> header(r, DeadLetters.SOURCE_TOPIC)).containsOnly(probeTopic);
        assertThat(dead).extracting(r -> header(r, DeadLetters.SOURCE_CHANNEL)).containsOnly(ProbeConsumer.CHANNEL);
        assertThat(dead).extracting(r -> header(r, DeadLetters.CAUSE)).containsExactlyInAnyOrder(
                IllegalArgumentException.class.getName(), "io.rgrid.model.event.MalformedEventException");
        ConsumerRecord<String, byte[]> poison = dead.stream()
                .filter(r -> header(r, DeadLetters.CAUSE).equals(IllegalArgumentException.class.getName())).findFirst().orElseThrow();
        assertThat(header(poison, DeadLetters.REASON)).isEqualTo("refused " + run + "-poison");
        assertThat(((WorkerHeartbeat) EventCodec.decode(poison.value()).orElseThrow().payload()).workerId())
                .isEqualTo(run + "-poison");
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics).containsPattern("rgrid_dead_letters_total\\{[^}]*channel=\"platform-probe\"[^}]*} [2-9]");
        // The connector's Kafka clients are bound to Micrometer: consumer lag per client on /q/metrics.
        assertThat(metrics).contains("kafka_consumer_fetch_manager_records_lag_max");
    }

    @Test
    void whileTheDatabaseCannotBeReachedNothingIsDeadLetteredAndTheBatchIsAppliedWhenItIsBack() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        try (TcpGate gate = new TcpGate(SharedServers.get().postgresPort())) {
            PGSimpleDataSource behindGate = new PGSimpleDataSource();
            behindGate.setUrl("jdbc:postgresql://127.0.0.1:" + gate.port() + "/api");
            behindGate.setUser(SharedServers.get().dbUser());
            behindGate.setConnectTimeout(2);
            Transactions outOfReach = new Transactions(behindGate);
            probe.use(BatchWork.inOneTransaction(outOfReach,
                    (connection, event) -> insert(connection, ((WorkerHeartbeat) event.payload()).workerId())));
            gate.shut();
            int before = probe.tries();

            send(run, heartbeat(run + "-d"), heartbeat(run + "-e"));

            // Twice max-attempts (3) failed tries: a failure not recognised as an outage would have been dead-lettered.
            await().atMost(Duration.ofSeconds(60)).until(() -> probe.tries() >= before + 6);
            assertThat(deadLetters(run)).isEmpty();
            assertThat(applied(run)).isEmpty();

            gate.open();
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                    assertThat(applied(run)).containsExactlyInAnyOrder(run + "-d", run + "-e"));
            assertThat(deadLetters(run)).isEmpty();
        }
    }

    private static void insert(Connection connection, String marker) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement(
                "INSERT INTO api.probe_applied (marker) VALUES (?) ON CONFLICT DO NOTHING")) {
            st.setString(1, marker);
            st.executeUpdate();
        }
    }

    private List<String> applied(String run) throws Exception {
        List<String> markers = new ArrayList<>();
        for (String suffix : List.of("-a", "-b", "-c", "-d", "-e", "-poison")) {
            if (servers.rows("SELECT count(*) FROM api.probe_applied WHERE marker = ?", run + suffix) > 0) {
                markers.add(run + suffix);
            }
        }
        return markers;
    }

    /** A heartbeat naming worker {@code marker} as its signer: the API has no worker tokens, so it checks only the signer. */
    private ProducerRecord<String, byte[]> heartbeat(String marker) {
        return SignedRecords.heartbeat(probeTopic, new WorkerHeartbeat(marker, null, 0, 0, 0, null, null, null, false),
                "a-token-the-api-does-not-know");
    }

    /** One key, so one partition and this order; heartbeats signed, anything else as it is. */
    private void send(String key, Object... values) throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(SharedServers.get().kafka().admin(Map.of(
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class)))) {
            for (Object value : values) {
                ProducerRecord<String, byte[]> record = value instanceof ProducerRecord<?, ?> signed
                        ? new ProducerRecord<>(probeTopic, null, key, (byte[]) signed.value(), signed.headers())
                        : new ProducerRecord<>(probeTopic, key, (byte[]) value);
                producer.send(record).get(30, TimeUnit.SECONDS);
            }
        }
    }

    /** The dead letters of this run (keyed by it), read from the start of the dead-letter topic. */
    private List<ConsumerRecord<String, byte[]>> deadLetters(String run) {
        String topic = servers.topic(Topics.DEAD_LETTERS);
        List<ConsumerRecord<String, byte[]>> found = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(SharedServers.get().kafka().admin(Map.of(
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class)))) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (run.equals(record.key())) {
                        found.add(record);
                    }
                }
            }
        }
        return found;
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
