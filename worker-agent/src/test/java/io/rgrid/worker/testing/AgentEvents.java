package io.rgrid.worker.testing;

import io.rgrid.model.Topics;
import io.rgrid.model.event.Envelope;
import io.rgrid.model.event.Event;
import io.rgrid.model.event.EventCodec;
import io.rgrid.model.event.ExecutionStatusChanged;
import io.rgrid.model.event.WorkerHeartbeat;
import io.rgrid.testinfra.KafkaLogins;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.stream.IntStream;

import static org.awaitility.Awaitility.await;

/**
 * What agents report, read from the beginning of the status and heartbeat topics under a prefix.
 * No consumer group: the partitions are assigned and the read positions live in this consumer,
 * so a broker outage neither rewinds nor skips them, and every record is seen exactly once
 * (a record written twice is seen twice).
 */
public final class AgentEvents implements AutoCloseable {

    private final KafkaConsumer<String, byte[]> consumer;
    private final List<Envelope<Event>> seen = new ArrayList<>();

    /** Reads as a control-plane user of {@code kafka} (the workers' principal reads nothing). */
    public AgentEvents(KafkaLogins kafka, String topicPrefix) {
        consumer = new KafkaConsumer<>(kafka.admin(Map.of(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false)),
                new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> all = new ArrayList<>(partitions(Topics.named(topicPrefix, Topics.EXECUTION_STATUS)));
        all.addAll(partitions(Topics.named(topicPrefix, Topics.WORKER_HEARTBEATS)));
        consumer.assign(all);
        consumer.seekToBeginning(all);
    }

    private static List<TopicPartition> partitions(String topic) {
        return IntStream.range(0, Topics.PARTITIONS).mapToObj(p -> new TopicPartition(topic, p)).toList();
    }

    /** Reads what arrived within 200 ms. */
    public void poll() {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
            EventCodec.decode(record.value()).ifPresent(seen::add);
        }
    }

    /** Reads until every record written so far has been read. */
    public void readToEnd(Duration timeout) {
        Map<TopicPartition, Long> ends = consumer.endOffsets(consumer.assignment(), timeout);
        pollUntil(() -> ends.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue()), timeout);
    }

    /** The status reports of one execution read so far, in the order of their partition. */
    public List<ExecutionStatusChanged> statuses(UUID executionId) {
        return seen.stream().map(Envelope::payload)
                .filter(e -> e instanceof ExecutionStatusChanged s && s.executionId().equals(executionId))
                .map(ExecutionStatusChanged.class::cast).toList();
    }

    /** The heartbeats of one worker read so far that it sent after {@code since}. */
    public List<WorkerHeartbeat> heartbeats(String workerId, Instant since) {
        return seen.stream().filter(e -> e.occurredAt().isAfter(since)).map(Envelope::payload)
                .filter(e -> e instanceof WorkerHeartbeat h && h.workerId().equals(workerId))
                .map(WorkerHeartbeat.class::cast).toList();
    }

    /** Polls until a status report of the execution matches, and returns the first that does. */
    public ExecutionStatusChanged awaitStatus(UUID executionId, Predicate<ExecutionStatusChanged> which, Duration timeout) {
        pollUntil(() -> statuses(executionId).stream().anyMatch(which), timeout);
        return statuses(executionId).stream().filter(which).findFirst().orElseThrow();
    }

    /** Polls until a heartbeat the worker sent after {@code since} arrived. */
    public WorkerHeartbeat awaitHeartbeat(String workerId, Instant since, Duration timeout) {
        pollUntil(() -> !heartbeats(workerId, since).isEmpty(), timeout);
        return heartbeats(workerId, since).getFirst();
    }

    /** Polls (in this thread: a consumer is single-threaded) until {@code done} holds. */
    private void pollUntil(BooleanSupplier done, Duration timeout) {
        await().atMost(timeout).pollInSameThread().pollInterval(Duration.ofMillis(10)).until(() -> {
            poll();
            return done.getAsBoolean();
        });
    }

    @Override
    public void close() {
        consumer.close();
    }
}
