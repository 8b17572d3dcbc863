package io.rgrid.api.kafka;

import io.rgrid.api.config.RgridConfig;
import io.rgrid.model.Topics;
import io.rgrid.platform.kafkaidentity.KafkaIdentity;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.util.Map;

/** The settings of every Kafka client this service creates, in one place (logged in as {@link KafkaIdentity}). */
@Singleton
public class KafkaClients {

    private final RgridConfig.Kafka config;
    private final KafkaIdentity identity;

    public KafkaClients(RgridConfig config, KafkaIdentity identity) {
        this.config = config.kafka();
        this.identity = identity;
    }

    /** The deployment's name of a canonical topic (prefix applied). */
    public String topic(String canonical) {
        return Topics.named(config.prefix(), canonical);
    }

    public Map<String, Object> admin() {
        Map<String, Object> props = identity.clientSettings(config.bootstrapServers());
        int timeout = (int) config.requestTimeout().toMillis();
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeout);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeout);
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "rgrid-api-admin");
        return props;
    }

    /** At-least-once: offsets are committed by hand after the records are applied. */
    public Map<String, Object> consumer(String groupId, String clientId) {
        Map<String, Object> props = identity.clientSettings(config.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return props;
    }
}
