package io.rgrid.orchestrator.kafka;

import io.rgrid.model.Topics;
import io.rgrid.orchestrator.config.RgridConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Names the orchestrator's topics from {@code rgrid.kafka.*} (prefix applied). The consumers are
 * SmallRye channels ({@link EventConsumers}); the outbox relay's producer and the topic creator are
 * service-platform's.
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
}
