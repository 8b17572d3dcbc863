package io.rgrid.api.outbox;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.rgrid.api.config.RgridConfig;
import io.rgrid.platform.db.Transactions;
import io.rgrid.api.kafka.KafkaClients;
import io.rgrid.api.kafka.TopicInitializer;
import io.rgrid.api.support.ApiTestSupport;
import io.rgrid.api.support.NoKafkaProfile;
import io.rgrid.api.support.TestConfigs;
import io.rgrid.model.Topics;
import io.rgrid.model.api.ApiPaths;
import io.rgrid.model.api.Auth;
import io.rgrid.model.event.EventCodec;
import io.rgrid.testinfra.SharedServers;
import io.rgrid.testinfra.SharedServersResource;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The broker comes back: events that waited in the outbox while the service could not reach
 * Kafka are published, in order per execution. The service runs against a dead address; a relay
 * built on the same outbox but pointed at the real broker plays "Kafka is back".
 */
@QuarkusTest
@TestProfile(NoKafkaProfile.class)
@QuarkusTestResource(value = SharedServersResource.class, initArgs = @ResourceArg(name = "namespace", value = "api"))
class RelayRecoveryTest {

    @Inject
    ApiTestSupport servers;

    @Inject
    Transactions tx;

    @Inject
    OutboxRepository repository;

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

        String bootstrap = SharedServers.get().kafkaBootstrap();
        RgridConfig live = TestConfigs.with(Map.of("rgrid.kafka.bootstrap-servers", bootstrap, "rgrid.kafka.topic-prefix", prefix,
                "rgrid.kafka.request-timeout", "10s"));
        KafkaClients clients = new KafkaClients(live);
        TopicInitializer topics = new TopicInitializer(clients);
        topics.ensureTopics();
        OutboxRelay relay = new OutboxRelay(tx, repository, new OutboxSignal(), clients, topics, live);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (servers.rows("SELECT count(*) FROM api.outbox WHERE published_at IS NULL AND event_key = ?", id.toString()) > 0
                && System.nanoTime() < deadline) {
            relay.publishBatch();
        }
        relay.closeProducer();
        assertThat(servers.rows("SELECT count(*) FROM api.outbox WHERE published_at IS NULL AND event_key = ?", id.toString()))
                .isZero();

        List<String> types = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "api-relay-test-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class))) {
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
