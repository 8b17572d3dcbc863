package io.rgrid.orchestrator.kafka;

import io.rgrid.model.Topics;
import io.rgrid.orchestrator.config.RgridConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

import java.util.List;

import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Builds the orchestrator's Kafka producer and admin client from {@code rgrid.kafka.*} and names its
 * topics; the consumers are SmallRye channels ({@link EventConsumers}).
 */
@ApplicationScoped
public class KafkaClients {

    private static final Logger LOG = Logger.getLogger(KafkaClients.class);

    /** The topics this service produces to or consumes from; created at start when missing. */
    static final List<String> OWN_TOPICS =
            List.of(Topics.EXECUTIONS, Topics.EXECUTION_STATUS, Topics.WORKER_HEARTBEATS, Topics.CLUSTER,
                    Topics.DEAD_LETTERS);

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

    public KafkaProducer<String, byte[]> newProducer() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafka().bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "rgrid-orchestrator-outbox");
        // Bounded so that the outbox relay notices a broker outage and backs off instead of hanging.
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    /** Creates this service's topics when missing; a broker that is down only delays it (logged). */
    public void createTopics() {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafka().bootstrapServers());
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        try (Admin admin = Admin.create(props)) {
            for (String canonical : OWN_TOPICS) {
                String name = topic(canonical);
                try {
                    admin.createTopics(List.of(new NewTopic(name, Topics.PARTITIONS, (short) 1)))
                            .all().get(15, TimeUnit.SECONDS);
                    LOG.infof("created topic %s", name);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        LOG.warnf("could not create topic %s: %s", name, e.getCause());
                    }
                } catch (TimeoutException e) {
                    LOG.warnf("could not create topic %s: Kafka at %s did not answer", name,
                            config.kafka().bootstrapServers());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

}
