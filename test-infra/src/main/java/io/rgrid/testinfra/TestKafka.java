package io.rgrid.testinfra;

import io.rgrid.model.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Kafka for tests that run a part of the grid without its control plane. The test brokers, like
 * every broker we ship, have {@code auto.create.topics.enable=false}: in production api-service and
 * the orchestrator create the topics (service-platform's TopicCreator); a test that runs an agent
 * alone gets its namespace's topics from {@link #createTopics}, as an operator would have them.
 */
public final class TestKafka {

    private TestKafka() {
    }

    /** Creates the RGrid topics under {@code prefix} that are missing. */
    public static void createTopics(String bootstrap, String prefix) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            Set<String> existing = admin.listTopics().names().get(60, TimeUnit.SECONDS);
            List<NewTopic> missing = Topics.ALL.stream().map(t -> Topics.named(prefix, t))
                    .filter(name -> !existing.contains(name))
                    .map(name -> new NewTopic(name, Topics.PARTITIONS, (short) 1)).toList();
            admin.createTopics(missing).all().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            // Another test JVM may have created one between the listing and the creation.
            if (!String.valueOf(e.getMessage()).contains("TopicExists")) {
                throw new IllegalStateException("could not create the test topics under '" + prefix + "': " + e, e);
            }
        }
    }

    /** Sends one record; the future completes when the broker acknowledged it. */
    public static CompletableFuture<Void> send(Producer<String, byte[]> producer, String topic, String key,
                                               byte[] value) {
        CompletableFuture<Void> acked = new CompletableFuture<>();
        producer.send(new ProducerRecord<>(topic, key, value), (metadata, e) -> {
            if (e == null) {
                acked.complete(null);
            } else {
                acked.completeExceptionally(e);
            }
        });
        return acked;
    }
}
