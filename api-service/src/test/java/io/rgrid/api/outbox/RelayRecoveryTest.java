package io.rgrid.api.outbox;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.rgrid.api.support.ApiTestSupport;
import io.rgrid.api.support.NoKafkaProfile;
import io.rgrid.platform.db.Transactions;
import io.rgrid.platform.outbox.OutboxRelay;
import io.rgrid.platform.outbox.OutboxSettings;
import io.rgrid.platform.topics.TopicCreator;
import io.rgrid.model.Topics;
import io.rgrid.model.api.ApiPaths;
import io.rgrid.model.api.Auth;
import io.rgrid.model.event.EventCodec;
import io.rgrid.testinfra.SharedServers;
import io.rgrid.testinfra.SharedServersResource;
import io.rgrid.testinfra.TestKafka;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The broker comes back: events that waited in the outbox while the service could not reach
 * Kafka are published, in order per execution. The service runs against a dead address (its own
 * relay keeps failing and backing off); a relay built on the same outbox but sending through a
 * producer pointed at the real broker plays "Kafka is back". The two take turns as the table's
 * relay, so the test's relay publishes once the service's lets go between its failed passes.
 */
@QuarkusTest
@TestProfile(NoKafkaProfile.class)
@QuarkusTestResource(value = SharedServersResource.class, initArgs = @ResourceArg(name = "namespace", value = "api"))
class RelayRecoveryTest {

    @Inject
    ApiTestSupport servers;

    @Inject
    Transactions tx;

    @ConfigProperty(name = "rgrid.api.secret-key")
    String key;

    @ConfigProperty(name = "rgrid.kafka.topic-prefix", defaultValue = "")
    String prefix;

    @Test
    void waitingEventsArePublishedInOrderOnceTheBrokerAnswers() throws Exception {
        Response submitted = given().header(Auth.HEADER, Auth.header(key))
                .multiPart("script", "while-down.py", "print(1)".getBytes(StandardCharsets.UTF_8)).post(ApiPaths.EXECUTIONS);
        submitted.then().statusCode(201);
        UUID id = UUID.fromString(submitted.jsonPath().getString("id"));
        given().header(Auth.HEADER, Auth.header(key)).post(ApiPaths.cancel(id.toString())).then().statusCode(202);
        assertThat(servers.rows("SELECT count(*) FROM api.outbox WHERE published_at IS NULL AND event_key = ?", id.toString()))
                .isEqualTo(2);

        OutboxSettings settings = new OutboxSettings(100, Duration.ofMillis(200), Duration.ofSeconds(1),
                Duration.ofSeconds(30), Duration.ofHours(24), Duration.ofHours(1));
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(SharedServers.get().kafka().admin(Map.of(ProducerConfig.ACKS_CONFIG, "all")),
                new StringSerializer(), new ByteArraySerializer())) {
            OutboxRelay relay = new OutboxRelay(tx, ApiOutbox.TABLE, settings,
                    row -> TestKafka.send(producer, row.topic(), row.key(), row.payload()),
                    new TopicCreator(SharedServers.get().kafka().admin(), prefix, Duration.ofSeconds(10)), Clock.systemUTC());
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (servers.rows("SELECT count(*) FROM api.outbox WHERE published_at IS NULL AND event_key = ?", id.toString()) > 0
                    && System.nanoTime() < deadline) {
                if (relay.publishBatch() == 0) {
                    Thread.sleep(100);
                }
            }
        }
        assertThat(servers.rows("SELECT count(*) FROM api.outbox WHERE published_at IS NULL AND event_key = ?", id.toString()))
                .isZero();

        List<String> types = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(SharedServers.get().kafka().admin(Map.of(
                ConsumerConfig.GROUP_ID_CONFIG, "api-relay-test-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class)))) {
            consumer.subscribe(List.of(Topics.named(prefix, Topics.EXECUTIONS)));
            long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (types.size() < 2 && System.nanoTime() < until) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.key().equals(id.toString())) {
                        types.add(EventCodec.decode(record.value()).orElseThrow().type());
                    }
                }
            }
        }
        assertThat(types).containsExactly("ExecutionSubmitted", "ExecutionCancelRequested");
    }
}
