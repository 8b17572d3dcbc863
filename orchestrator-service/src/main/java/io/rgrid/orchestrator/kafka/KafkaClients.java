package io.rgrid.orchestrator.kafka;

import io.rgrid.model.Topics;
import io.rgrid.orchestrator.config.RgridConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.util.Properties;

/**
 * Builds the orchestrator's Kafka consumers from {@code rgrid.kafka.*} and names its topics (the
 * outbox relay's producer and the topic creator are service-platform's).
 */
@ApplicationScoped
public class KafkaClients {

    @Inject
    RgridConfig config;

    /** For CDI. */
    public KafkaClients() {
    }

    /** For tests that run without the container. */
    public KafkaClients(RgridConfig config) {
        this.config = config;
    }

    /** The deployment's name of a canonical topic (prefix applied). */
    public String topic(String canonical) {
        return Topics.named(prefix(), canonical);
    }

    private String prefix() {
        return config.kafka().topicPrefix().orElse("");
    }

    /** A consumer in this service's group for {@code purpose}; offsets are committed by the caller. */
    public KafkaConsumer<String, byte[]> newConsumer(String purpose) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafka().bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, prefix() + "rgrid-orchestrator." + purpose);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "rgrid-orchestrator-" + purpose);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // The status consumer applies a whole poll in one transaction: larger polls, fewer commits.
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
        return new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    }
}
