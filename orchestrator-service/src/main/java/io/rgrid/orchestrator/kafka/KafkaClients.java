package io.rgrid.orchestrator.kafka;

import io.rgrid.model.Topics;
import io.rgrid.orchestrator.config.RgridConfig;
import io.rgrid.platform.kafkaidentity.KafkaIdentity;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Names the orchestrator's topics from {@code rgrid.kafka.*} (prefix applied). The consumers are
 * SmallRye channels ({@code intake.EventConsumers}); the outbox relay's producer and the topic creator are
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

    /**
     * The environment that connects an agent to Kafka, without a login: bootstrap servers, topic
     * prefix, security protocol and, under SASL_SSL, the CA file. The login is the worker's own
     * ({@link #loginEnvironment}).
     */
    public static Map<String, String> workerEnvironment(RgridConfig.Kafka kafka, String bootstrapServers) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("RGRID_KAFKA_BOOTSTRAP_SERVERS", bootstrapServers);
        env.put("RGRID_KAFKA_TOPIC_PREFIX", kafka.topicPrefix().orElse(""));
        env.put("RGRID_KAFKA_SECURITY_PROTOCOL", kafka.securityProtocol());
        if (!KafkaIdentity.PLAINTEXT.equals(kafka.securityProtocol())) {
            env.put("RGRID_KAFKA_CA_FILE", kafka.workerCaFile().or(kafka::caFile).orElse(""));
        }
        return env;
    }

    /**
     * A provisioned worker's login as its agent reads it ({@code RGRID_KAFKA_USERNAME},
     * {@code RGRID_KAFKA_PASSWORD}); nothing under PLAINTEXT.
     *
     * @throws IllegalStateException under SASL_SSL without a login: the agent could not connect
     */
    public static Map<String, String> loginEnvironment(String securityProtocol, WorkerLogin login) {
        if (KafkaIdentity.PLAINTEXT.equals(securityProtocol)) {
            return Map.of();
        }
        if (login == null) {
            throw new IllegalStateException("no Kafka login was issued for this worker: under " + securityProtocol
                    + " its agent could not connect");
        }
        return Map.of("RGRID_KAFKA_USERNAME", login.username(), "RGRID_KAFKA_PASSWORD", login.password());
    }

    /**
     * The CA file a remote worker's bootstrap copies next to its env file: the control plane's
     * own ({@code rgrid.kafka.ca-file}) under SASL_SSL unless {@code rgrid.kafka.worker-ca-file}
     * names where workers already have one.
     */
    public static Optional<Path> workerCaToUpload(RgridConfig.Kafka kafka) {
        if (KafkaIdentity.PLAINTEXT.equals(kafka.securityProtocol()) || kafka.workerCaFile().isPresent()) {
            return Optional.empty();
        }
        return kafka.caFile().map(Path::of);
    }

    private String prefix() {
        return config.kafka().topicPrefix().orElse("");
    }
}
