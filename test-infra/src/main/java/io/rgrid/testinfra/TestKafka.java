package io.rgrid.testinfra;

import io.rgrid.platform.topics.TopicCreator;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Kafka for tests that run a part of the grid without its control plane. The test brokers, like
 * every broker we ship, have {@code auto.create.topics.enable=false}: in production api-service and
 * the orchestrator create the topics (service-platform's TopicCreator); a test that runs an agent
 * alone gets its namespace's topics from {@link #createTopics}, as an operator would have them.
 */
public final class TestKafka {

    private TestKafka() {
    }

    /**
     * Creates the RGrid topics under {@code prefix} that are missing, and the workers' ACLs on
     * them, as the control plane does (service-platform's TopicCreator, logged in as a super user).
     */
    public static void createTopics(KafkaLogins kafka, String prefix) {
        new TopicCreator(kafka.admin(), prefix, Duration.ofSeconds(60)).ensureTopics();
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
