package io.rgrid.platform.outbox;

import io.rgrid.platform.db.Transactions;
import io.rgrid.platform.kafkaidentity.KafkaIdentity;
import io.rgrid.platform.topics.TopicCreator;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * The relay and the topic creator of a control-plane service. The service provides its
 * {@link OutboxTable} bean and decides when the relay starts and stops; the settings are the
 * shared {@code rgrid.kafka.*} and {@code rgrid.outbox.*} keys.
 */
@Singleton
public class OutboxBeans {

    @Produces
    @Singleton
    TopicCreator topics(@ConfigProperty(name = "rgrid.kafka.bootstrap-servers") String bootstrapServers,
                        KafkaIdentity identity,
                        @ConfigProperty(name = "rgrid.kafka.topic-prefix") Optional<String> prefix,
                        @ConfigProperty(name = "rgrid.kafka.request-timeout", defaultValue = "10s") Duration timeout) {
        return new TopicCreator(identity.clientSettings(bootstrapServers), prefix.orElse(""), timeout);
    }

    @Produces
    @Singleton
    OutboxRelay relay(Transactions tx, OutboxTable table, OutboxConfig config, EmitterOutboxSender sender,
                      TopicCreator topics) {
        return new OutboxRelay(tx, table, config.settings(), sender, topics, Clock.systemUTC());
    }
}
