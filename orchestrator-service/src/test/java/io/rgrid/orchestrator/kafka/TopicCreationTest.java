package io.rgrid.orchestrator.kafka;

import io.rgrid.model.Topics;
import io.rgrid.platform.topics.TopicCreator;
import io.rgrid.testinfra.KafkaLogins;
import io.rgrid.testinfra.SharedServers;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The test broker runs like every broker we ship, with auto.create.topics.enable=false: a client
 * that writes to a topic nobody created fails and creates nothing; the control plane's creator
 * (service-platform's TopicCreator, which api-service and the orchestrator run at start) makes
 * every RGrid topic with {@link Topics#PARTITIONS} partitions, once.
 */
class TopicCreationTest {

    private final KafkaLogins kafka = SharedServers.get().kafka();
    private final String prefix = "creator-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    private final List<String> names = Topics.ALL.stream().map(t -> Topics.named(prefix, t)).toList();

    @Test
    void theBrokerCreatesNoTopicTheControlPlaneCreatesThemAll() throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(kafka.admin(Map.of(
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 3000)),
                new StringSerializer(), new StringSerializer())) {
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>(names.get(0), "k", "v")).get(10, TimeUnit.SECONDS))
                    .hasMessageContaining(names.get(0));
        }
        assertThat(existing()).isEmpty();

        TopicCreator creator = new TopicCreator(kafka.admin(), prefix, Duration.ofSeconds(30));
        assertThat(creator.ensureTopics()).containsExactlyInAnyOrderElementsOf(names);
        assertThat(creator.done()).isTrue();

        Map<String, TopicDescription> topics = existing();
        assertThat(topics.keySet()).containsExactlyInAnyOrderElementsOf(names);
        assertThat(topics.values()).allSatisfy(t -> assertThat(t.partitions()).hasSize(Topics.PARTITIONS));
        // A second instance finds them all and creates nothing.
        assertThat(new TopicCreator(kafka.admin(), prefix, Duration.ofSeconds(30)).ensureTopics()).isEmpty();
    }

    @Test
    void anUnreachableBrokerIsReportedNotSwallowed() {
        TopicCreator creator = new TopicCreator(kafka.admin(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1")), prefix,
                Duration.ofSeconds(2));
        assertThatThrownBy(creator::ensureTopics).isInstanceOf(TopicCreator.TopicsUnavailableException.class)
                .hasMessageContaining("127.0.0.1:1");
        assertThat(creator.done()).isFalse();
        assertThat(creator.tryEnsureTopics()).isFalse();
    }

    private Map<String, TopicDescription> existing() throws Exception {
        try (Admin admin = Admin.create(kafka.admin())) {
            List<String> present = admin.listTopics().names().get(30, TimeUnit.SECONDS).stream()
                    .filter(names::contains).toList();
            return admin.describeTopics(present).allTopicNames().get(30, TimeUnit.SECONDS);
        }
    }
}
