package io.rgrid.orchestrator.kafka;

import io.rgrid.model.KafkaPrincipals;
import io.rgrid.model.Topics;
import io.rgrid.testinfra.KafkaLogins;
import io.rgrid.testinfra.SharedServers;
import io.rgrid.testinfra.TestKafka;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The test run's broker, like every broker we ship, lets no one in without a login and lets the
 * workers' principal only write the status, log and heartbeat topics (docs/security.md, "Kafka").
 * Each case fails against a PLAINTEXT broker without ACLs.
 */
class KafkaAuthorizationTest {

    private static final String PREFIX = "authz-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    private static final List<String> READABLE_BY_NOBODY_BUT_THE_CONTROL_PLANE = Topics.ALL;
    private static final List<String> NOT_WRITABLE_BY_WORKERS = Topics.ALL.stream()
            .filter(t -> !KafkaPrincipals.WORKER_WRITES.contains(t)).toList();

    private static KafkaLogins kafka;

    @BeforeAll
    static void topics() {
        kafka = SharedServers.get().kafka();
        TestKafka.createTopics(kafka, PREFIX); // as the control plane: topics and the workers' ACLs
    }

    @Test
    void aClientWithoutALoginGetsNothing() {
        Map<String, Object> plaintext = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000, AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
        try (Admin admin = Admin.create(plaintext)) {
            assertThatThrownBy(() -> admin.listTopics().names().get(20, TimeUnit.SECONDS))
                    .as("a PLAINTEXT client on the SASL_SSL listener").isInstanceOf(ExecutionException.class);
        }
    }

    @Test
    void aWrongPasswordIsRefused() {
        Map<String, Object> settings = kafka.identity(KafkaPrincipals.WORKER).clientSettings(kafka.bootstrap());
        settings.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required "
                + "username=\"" + KafkaPrincipals.WORKER + "\" password=\"not-the-password\";");
        try (Admin admin = Admin.create(settings)) {
            assertThatThrownBy(() -> admin.listTopics().names().get(20, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(SaslAuthenticationException.class);
        }
    }

    @Test
    void aClientThatDoesNotTrustTheBrokersCaDoesNotTalkToIt() {
        Map<String, Object> settings = kafka.admin();
        settings.remove("ssl.truststore.type");
        settings.remove("ssl.truststore.location"); // the JDK's default CAs: the broker's self-signed CA is not among them
        try (Admin admin = Admin.create(settings)) {
            assertThatThrownBy(() -> admin.listTopics().names().get(20, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(SslAuthenticationException.class);
        }
    }

    @ParameterizedTest
    @FieldSource("READABLE_BY_NOBODY_BUT_THE_CONTROL_PLANE")
    void aWorkerReadsNoTopic(String canonical) {
        String topic = Topics.named(PREFIX, canonical);
        Map<String, Object> settings = kafka.client(KafkaPrincipals.WORKER, Map.of(
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false, ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"));
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(settings, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.assign(List.of(new TopicPartition(topic, 0)));
            assertThatThrownBy(() -> consumer.poll(Duration.ofSeconds(10))).isInstanceOf(TopicAuthorizationException.class);
        }
    }

    @ParameterizedTest
    @FieldSource("NOT_WRITABLE_BY_WORKERS")
    void aWorkerWritesNoTopicButItsOwn(String canonical) {
        try (KafkaProducer<String, String> producer = workerProducer()) {
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>(Topics.named(PREFIX, canonical), "k", "forged"))
                    .get(20, TimeUnit.SECONDS)).hasCauseInstanceOf(TopicAuthorizationException.class);
        }
    }

    @Test
    void aWorkerWritesItsStatusLogAndHeartbeatTopics() throws Exception {
        try (KafkaProducer<String, String> producer = workerProducer()) {
            for (String canonical : KafkaPrincipals.WORKER_WRITES) {
                assertThat(producer.send(new ProducerRecord<>(Topics.named(PREFIX, canonical), "k", "report"))
                        .get(20, TimeUnit.SECONDS).topic()).isEqualTo(Topics.named(PREFIX, canonical));
            }
        }
    }

    @Test
    void aWorkerCreatesNoTopic() {
        try (Admin admin = Admin.create(kafka.client(KafkaPrincipals.WORKER))) {
            assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic(PREFIX + "worker-made", 1, (short) 1)))
                    .all().get(20, TimeUnit.SECONDS)).hasCauseInstanceOf(TopicAuthorizationException.class);
        }
    }

    private static KafkaProducer<String, String> workerProducer() {
        Map<String, Object> settings = new HashMap<>(kafka.client(KafkaPrincipals.WORKER));
        settings.put(ProducerConfig.ACKS_CONFIG, "all");
        settings.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10000);
        settings.put(CommonClientConfigs.CLIENT_ID_CONFIG, "authz-test-worker");
        return new KafkaProducer<>(settings, new StringSerializer(), new StringSerializer());
    }
}
