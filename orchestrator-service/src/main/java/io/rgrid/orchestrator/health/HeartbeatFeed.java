package io.rgrid.orchestrator.health;

import io.rgrid.model.Topics;
import io.rgrid.orchestrator.kafka.KafkaClients;
import io.rgrid.platform.kafkaidentity.KafkaIdentity;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Whether the orchestrator's heartbeat consumer is caught up, asked of Kafka itself (an admin
 * client): the group's committed offsets on {@link Topics#WORKER_HEARTBEATS} against the topic's
 * end offsets. The consumer commits only after a poll is applied, so a committed offset at the end
 * means every heartbeat before it is in the database. Kafka unreachable: {@code UNKNOWN}.
 *
 * <p>Heartbeats keep arriving, so "lag 0" is rare on a busy grid; the consumer also counts as caught
 * up when it has applied everything that was in the topic at the previous look, if that look is at
 * most {@code lost-after / 2} old (database clock, passed in by the monitor).
 */
@ApplicationScoped
public class HeartbeatFeed {

    private static final Logger LOG = Logger.getLogger(HeartbeatFeed.class);

    private final Map<String, Object> clientSettings;
    private final String topic;
    private final String groupId;
    private final Duration timeout;
    private Admin admin;
    private Map<Integer, Long> previousEnd = Map.of();
    private Instant previousAt;

    @Inject
    public HeartbeatFeed(@ConfigProperty(name = "rgrid.kafka.bootstrap-servers") String bootstrapServers,
                         KafkaIdentity identity,
                         KafkaClients kafka,
                         @ConfigProperty(name = "mp.messaging.incoming.worker-heartbeats.group.id") String groupId,
                         @ConfigProperty(name = "rgrid.kafka.request-timeout", defaultValue = "10s") Duration timeout) {
        this(identity.clientSettings(bootstrapServers), kafka.topic(Topics.WORKER_HEARTBEATS), groupId, timeout);
    }

    HeartbeatFeed(Map<String, Object> clientSettings, String topic, String groupId, Duration timeout) {
        this.clientSettings = Map.copyOf(clientSettings);
        this.topic = topic;
        this.groupId = groupId;
        this.timeout = timeout;
    }

    /**
     * Looks at the consumer's position now.
     *
     * @param now          the database's now(), when this look happens
     * @param previousUpTo how old the previous look may be to count (lost-after / 2)
     */
    public synchronized LivenessDecision.Feed look(Instant now, Duration previousUpTo) {
        Map<Integer, Long> end;
        Map<Integer, Long> committed;
        try {
            end = endOffsets();
            committed = committedOffsets();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            LOG.debugf("heartbeat consumer position unknown: %s", e.toString());
            return LivenessDecision.Feed.UNKNOWN;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return LivenessDecision.Feed.UNKNOWN;
        }
        boolean previousCounts = previousAt != null && !previousAt.plus(previousUpTo).isBefore(now);
        boolean caughtUp = caughtUp(committed, end, previousCounts ? previousEnd : Map.of());
        previousEnd = end;
        previousAt = now;
        return caughtUp ? LivenessDecision.Feed.CAUGHT_UP : LivenessDecision.Feed.BEHIND;
    }

    /**
     * Pure: every partition's committed offset reaches its end offset, or the end offset of the
     * previous look when there is one (a partition never committed counts as offset 0).
     */
    static boolean caughtUp(Map<Integer, Long> committed, Map<Integer, Long> end, Map<Integer, Long> previousEnd) {
        for (Map.Entry<Integer, Long> partition : end.entrySet()) {
            long target = Math.min(partition.getValue(), previousEnd.getOrDefault(partition.getKey(), Long.MAX_VALUE));
            if (committed.getOrDefault(partition.getKey(), 0L) < target) {
                return false;
            }
        }
        return true;
    }

    private Map<Integer, Long> endOffsets() throws ExecutionException, InterruptedException, TimeoutException {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (var partition : admin().describeTopics(List.of(topic)).allTopicNames()
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(topic).partitions()) {
            latest.put(new TopicPartition(topic, partition.partition()), OffsetSpec.latest());
        }
        Map<Integer, Long> out = new HashMap<>();
        for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> offset : admin().listOffsets(latest)
                .all().get(timeout.toMillis(), TimeUnit.MILLISECONDS).entrySet()) {
            out.put(offset.getKey().partition(), offset.getValue().offset());
        }
        return out;
    }

    private Map<Integer, Long> committedOffsets() throws ExecutionException, InterruptedException, TimeoutException {
        Map<Integer, Long> out = new HashMap<>();
        for (Map.Entry<TopicPartition, OffsetAndMetadata> offset : admin().listConsumerGroupOffsets(groupId)
                .partitionsToOffsetAndMetadata().get(timeout.toMillis(), TimeUnit.MILLISECONDS).entrySet()) {
            if (offset.getKey().topic().equals(topic) && offset.getValue() != null) {
                out.put(offset.getKey().partition(), offset.getValue().offset());
            }
        }
        return out;
    }

    private Admin admin() {
        if (admin == null) {
            int millis = (int) timeout.toMillis();
            Map<String, Object> settings = new HashMap<>(clientSettings);
            settings.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, millis);
            settings.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, millis);
            settings.put(AdminClientConfig.CLIENT_ID_CONFIG, "rgrid-orchestrator-heartbeat-feed");
            admin = Admin.create(settings);
        }
        return admin;
    }

    @PreDestroy
    synchronized void close() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(1));
            admin = null;
        }
    }
}
