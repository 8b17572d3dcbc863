package io.rgrid.orchestrator.kafka;

import io.rgrid.model.KafkaPrincipals;
import io.rgrid.model.Topics;
import io.rgrid.platform.kafkaidentity.KafkaIdentity;
import io.rgrid.testinfra.KafkaLogins;
import io.rgrid.testinfra.SharedServers;
import io.rgrid.testinfra.TestKafka;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Each provisioned worker's own Kafka login, on the test run's broker (SASL_SSL, ACLs, as every
 * broker we ship): it writes the status, log and heartbeat topics while the worker lives, reads
 * nothing, is no other worker's, and once revoked opens no connection and writes nothing more,
 * even on a connection it opened before (docs/security.md, "Kafka"). Against the shared
 * {@code rgrid-worker} login of before, nothing was revoked when a worker was deleted.
 */
class WorkerLoginsTest {

    private static final String PREFIX = "logins-" + UUID.randomUUID().toString().substring(0, 8) + ".";

    private static KafkaLogins kafka;
    private static WorkerLogins logins;

    @BeforeAll
    static void topics() {
        kafka = SharedServers.get().kafka();
        TestKafka.createTopics(kafka, PREFIX);
        logins = new WorkerLogins(KafkaIdentity.SECURITY_PROTOCOL, PREFIX, kafka.admin(), Duration.ofSeconds(20));
    }

    private static String newWorkerId() {
        return "rgrid-worker-" + UUID.randomUUID().toString().substring(0, 6);
    }

    @Test
    void aLiveWorkersLoginWritesItsThreeTopicsAndReadsNothing() throws Exception {
        String workerId = newWorkerId();
        WorkerLogin login = logins.issue(workerId).orElseThrow();
        assertThat(login.username()).isEqualTo(workerId).isNotEqualTo(KafkaPrincipals.WORKER);
        assertThat(login.toString()).doesNotContain(login.password());
        try (KafkaProducer<String, String> producer = producer(login)) {
            for (String canonical : KafkaPrincipals.WORKER_WRITES) {
                assertThat(send(producer, canonical).topic()).isEqualTo(Topics.named(PREFIX, canonical));
            }
            assertThatThrownBy(() -> send(producer, Topics.EXECUTIONS))
                    .hasCauseInstanceOf(TopicAuthorizationException.class);
        }
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(settings(login, Map.of(
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false, ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")),
                new StringDeserializer(), new StringDeserializer())) {
            consumer.assign(List.of(new TopicPartition(Topics.named(PREFIX, Topics.EXECUTION_STATUS), 0)));
            assertThatThrownBy(() -> consumer.poll(Duration.ofSeconds(10)))
                    .isInstanceOf(TopicAuthorizationException.class);
        } finally {
            logins.revoke(workerId);
        }
    }

    @Test
    void aDeletedWorkersLoginNeitherConnectsNorWritesOnItsOpenConnection() throws Exception {
        String workerId = newWorkerId();
        WorkerLogin login = logins.issue(workerId).orElseThrow();
        try (KafkaProducer<String, String> open = producer(login)) {
            send(open, Topics.WORKER_HEARTBEATS);

            logins.revoke(workerId);

            // The broker checks ACLs at each request: the connection it authenticated before writes no more.
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThatThrownBy(
                    () -> send(open, Topics.EXECUTION_STATUS)).hasCauseInstanceOf(TopicAuthorizationException.class));
        }
        try (Admin admin = Admin.create(settings(login, Map.of()))) {
            assertThatThrownBy(() -> admin.listTopics().names().get(20, TimeUnit.SECONDS))
                    .as("a new connection with the deleted password").hasCauseInstanceOf(SaslAuthenticationException.class);
        }
        logins.revoke(workerId); // revoking again (a retry after a lost answer) is fine
    }

    @Test
    void oneWorkersLoginIsNotAnothersAndOutlivesItsRevocation() throws Exception {
        String first = newWorkerId();
        String second = newWorkerId();
        WorkerLogin mine = logins.issue(first).orElseThrow();
        WorkerLogin other = logins.issue(second).orElseThrow();
        try {
            assertThat(mine.password()).isNotEqualTo(other.password());
            WorkerLogin posing = new WorkerLogin(other.username(), mine.password());
            try (Admin admin = Admin.create(settings(posing, Map.of()))) {
                assertThatThrownBy(() -> admin.listTopics().names().get(20, TimeUnit.SECONDS))
                        .as("the other worker's user with this worker's password")
                        .hasCauseInstanceOf(SaslAuthenticationException.class);
            }
            logins.revoke(second);
            try (KafkaProducer<String, String> producer = producer(mine)) {
                assertThat(send(producer, Topics.EXECUTION_LOGS).topic())
                        .isEqualTo(Topics.named(PREFIX, Topics.EXECUTION_LOGS));
            }
        } finally {
            logins.revoke(first);
            logins.revoke(second);
        }
    }

    @Test
    void plaintextIssuesNothing() {
        WorkerLogins none = new WorkerLogins(KafkaIdentity.PLAINTEXT, PREFIX, Map.of(), Duration.ofSeconds(1));
        assertThat(none.issue(newWorkerId())).isEmpty();
        none.revoke(newWorkerId());
    }

    private static RecordMetadata send(KafkaProducer<String, String> producer, String canonical) throws Exception {
        return producer.send(new ProducerRecord<>(Topics.named(PREFIX, canonical), "k", "report"))
                .get(20, TimeUnit.SECONDS);
    }

    private static KafkaProducer<String, String> producer(WorkerLogin login) {
        return new KafkaProducer<>(settings(login, Map.of(ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 10000, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 15000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10000,
                CommonClientConfigs.CLIENT_ID_CONFIG, "logins-test-" + login.username())),
                new StringSerializer(), new StringSerializer());
    }

    private static Map<String, Object> settings(WorkerLogin login, Map<String, ?> extra) {
        Path ca = kafka.identity(KafkaPrincipals.WORKER).caFile();
        Map<String, Object> settings = new HashMap<>(KafkaIdentity.scram(login.username(), login.password(), ca)
                .clientSettings(kafka.bootstrap()));
        settings.put(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, 20000); // not above the API timeout
        settings.put(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, 20000);
        settings.putAll(extra);
        return settings;
    }
}
