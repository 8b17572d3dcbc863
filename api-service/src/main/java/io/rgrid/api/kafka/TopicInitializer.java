package io.rgrid.api.kafka;

import io.quarkus.runtime.StartupEvent;
import io.rgrid.model.Topics;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Creates every RGrid topic that does not exist yet. Tried at start; when Kafka is down then,
 * the service starts anyway (submissions only need PostgreSQL and S3) and the outbox relay and
 * the consumers call {@link #ensureTopics()} again before they first touch Kafka.
 */
@Singleton
public class TopicInitializer {

    private static final Logger LOG = Logger.getLogger(TopicInitializer.class);

    private final KafkaClients clients;
    private volatile boolean ready;

    public TopicInitializer(KafkaClients clients) {
        this.clients = clients;
    }

    void onStart(@Observes StartupEvent event) {
        try {
            ensureTopics();
        } catch (Exception e) {
            LOG.warnf("Kafka topics could not be checked at start (%s); retrying in the background", e.getMessage());
        }
    }

    public boolean ready() {
        return ready;
    }

    /** Idempotent; several instances racing each other is fine (TopicExistsException is expected). */
    public synchronized void ensureTopics() throws Exception {
        if (ready) {
            return;
        }
        try (Admin admin = Admin.create(clients.admin())) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = Topics.ALL.stream()
                    .map(clients::topic)
                    .filter(name -> !existing.contains(name))
                    .map(name -> new NewTopic(name, Topics.PARTITIONS, (short) 1))
                    .toList();
            if (!missing.isEmpty()) {
                var results = admin.createTopics(missing).values();
                for (var entry : results.entrySet()) {
                    try {
                        entry.getValue().get(30, TimeUnit.SECONDS);
                        LOG.infof("created Kafka topic %s", entry.getKey());
                    } catch (ExecutionException e) {
                        if (!(e.getCause() instanceof TopicExistsException)) {
                            throw e;
                        }
                    }
                }
            }
            ready = true;
        }
    }
}
