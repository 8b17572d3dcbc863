package io.rgrid.platform.topics;

import io.rgrid.model.Topics;
import io.rgrid.platform.kafkaidentity.WorkerAcls;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Creates every RGrid topic ({@link Topics#ALL}, with the deployment's prefix) that does not exist
 * yet. Only the control plane calls it (api-service and the orchestrator at start, and again
 * before their first use of Kafka when it was down then); the brokers we ship have
 * {@code auto.create.topics.enable=false} and the agent creates none. Idempotent: instances racing
 * each other is fine (a topic another one just created counts as created).
 *
 * <p>With the topics it grants the workers' principal what it may do on them
 * ({@link WorkerAcls}: write the status, log and heartbeat topics, nothing else),
 * so the prefix a deployment or a test namespace uses needs no separate ACL step.
 */
public final class TopicCreator {

    private static final Logger LOG = Logger.getLogger(TopicCreator.class);

    private final Map<String, Object> clientSettings;
    private final String bootstrapServers;
    private final String prefix;
    private final Duration timeout;
    private volatile boolean done;

    /**
     * @param clientSettings the admin client's bootstrap servers and identity (a control-plane
     *                       principal: creating topics and ACLs needs a super user)
     * @param prefix         the deployment's topic prefix ({@code rgrid.kafka.topic-prefix}), "" for none
     * @param timeout        how long one admin call may take
     */
    public TopicCreator(Map<String, Object> clientSettings, String prefix, Duration timeout) {
        this.clientSettings = Map.copyOf(clientSettings);
        this.bootstrapServers = String.valueOf(clientSettings.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG));
        this.prefix = prefix;
        this.timeout = timeout;
    }

    /** True once every topic was seen to exist. */
    public boolean done() {
        return done;
    }

    /**
     * Creates the missing topics; returns at once after the first success.
     *
     * @return the topics this call created (empty when all existed)
     * @throws TopicsUnavailableException when Kafka did not answer or refused
     */
    public synchronized List<String> ensureTopics() {
        if (done) {
            return List.of();
        }
        int millis = (int) timeout.toMillis();
        Map<String, Object> settings = new HashMap<>(clientSettings);
        settings.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, millis);
        settings.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, millis);
        try (Admin admin = Admin.create(settings)) {
            Set<String> existing = admin.listTopics().names().get(millis, TimeUnit.MILLISECONDS);
            List<NewTopic> missing = Topics.ALL.stream()
                    .map(canonical -> Topics.named(prefix, canonical))
                    .filter(name -> !existing.contains(name))
                    .map(name -> new NewTopic(name, Topics.PARTITIONS, (short) 1))
                    .toList();
            for (var created : admin.createTopics(missing).values().entrySet()) {
                try {
                    created.getValue().get(millis, TimeUnit.MILLISECONDS);
                    LOG.infof("created Kafka topic %s", created.getKey());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
            List<String> created = missing.stream().map(NewTopic::name).toList();
            awaitLeaders(admin, created, millis);
            admin.createAcls(WorkerAcls.of(prefix)).all().get(millis, TimeUnit.MILLISECONDS);
            done = true;
            return created;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TopicsUnavailableException("interrupted while creating Kafka topics", e);
        } catch (Exception e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            throw new TopicsUnavailableException("Kafka topics could not be created at " + bootstrapServers + ": "
                    + cause, cause);
        }
    }

    /**
     * Waits until every partition of the new topics has a leader. Records sent to a partition a
     * moment too early are refused (NOT_LEADER_OR_FOLLOWER), and the idempotent producer's retry
     * of a partition's first batches once stalled until the delivery timeout
     * (OUT_OF_ORDER_SEQUENCE_NUMBER) with the relay sending right after the creation. Waiting
     * makes that rarer, not impossible (a refused first send was still seen after it); the relay
     * copes either way (the partition's keys are sent again next pass, in order; see PublishedRows).
     */
    private static void awaitLeaders(Admin admin, List<String> topics, int millis) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!leadersElected(admin, topics, millis)) {
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("the new topics have no leader yet");
            }
            Thread.sleep(50);
        }
    }

    private static boolean leadersElected(Admin admin, List<String> topics, int millis) throws Exception {
        if (topics.isEmpty()) {
            return true;
        }
        try {
            return admin.describeTopics(topics).allTopicNames().get(millis, TimeUnit.MILLISECONDS).values().stream()
                    .allMatch(t -> t.partitions().stream().allMatch(p -> p.leader() != null));
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return false; // created, not yet in the metadata this broker answers from
            }
            throw e;
        }
    }

    /** Like {@link #ensureTopics} but logs a failure instead of throwing (a start must not fail on Kafka). */
    public boolean tryEnsureTopics() {
        try {
            ensureTopics();
            return true;
        } catch (TopicsUnavailableException e) {
            LOG.warnf("%s; retrying before Kafka is first used", e.getMessage());
            return false;
        }
    }

    /** Kafka was unreachable or refused to create a topic. */
    public static final class TopicsUnavailableException extends RuntimeException {
        TopicsUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
