package io.rgrid.api.outbox;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.rgrid.platform.outbox.OutboxRelay;
import io.rgrid.platform.outbox.OutboxTable;
import io.rgrid.platform.topics.TopicCreator;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * api-service's outbox is {@code api.outbox}; its relay (service-platform's {@link OutboxRelay})
 * runs from start to shutdown. Topics are created at start when Kafka answers, else by the relay
 * and the consumers before they first use Kafka: submissions only need PostgreSQL and S3.
 */
@Singleton
public class ApiOutbox {

    static final OutboxTable TABLE = new OutboxTable("api.outbox", "event_key");

    @Produces
    @Singleton
    OutboxTable table() {
        return TABLE;
    }

    void onStart(@Observes StartupEvent event, TopicCreator topics, OutboxRelay relay) {
        topics.tryEnsureTopics();
        relay.start();
    }

    void onStop(@Observes ShutdownEvent event, OutboxRelay relay) {
        relay.stop();
    }
}
