package io.rgrid.platform.produce;

import io.quarkus.arc.Unremovable;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import org.apache.kafka.clients.producer.ProducerConfig;

import java.util.Map;

/**
 * The Kafka producer settings every RGrid producer channel shares, in one place: a channel uses
 * them with {@code mp.messaging.outgoing.<channel>.kafka-configuration=rgrid-producer}; settings
 * on the channel itself win over these.
 */
@ApplicationScoped
public class ProducerSettings {

    /** The name channels refer to. */
    public static final String NAME = "rgrid-producer";

    /**
     * acks=all with idempotence: a record is acknowledged once every in-sync replica has it, and
     * retries neither duplicate nor reorder it within its partition. No linger: a status report
     * or an outbox pass is waited for, and the client's default 5 ms would be added to each.
     * Timeouts are bounded so a send fails (and the caller backs off and retries, logged) within
     * 30 s instead of hanging for the client's default two minutes while Kafka is away.
     */
    @Produces
    @Identifier(NAME)
    @Unremovable // looked up by name by the connector, injected nowhere
    public Map<String, Object> producer() {
        return Map.of(
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true",
                ProducerConfig.LINGER_MS_CONFIG, "0",
                ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000",
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000",
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
    }
}
