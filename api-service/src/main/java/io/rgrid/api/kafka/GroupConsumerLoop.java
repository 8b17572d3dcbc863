package io.rgrid.api.kafka;

import io.rgrid.platform.topics.TopicCreator;

import io.rgrid.platform.db.Transactions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The poll loop of a consumer that is a member of a consumer group and commits its offsets by
 * hand, at least once (the status consumer and the cluster read model), on its own
 * {@link ConsumerThread}. It waits until the topics exist, subscribes, and polls; each non-empty
 * poll goes to its {@link Mode}, which applies the records, commits the offsets of what was
 * applied (never before) and rewinds the consumer to what was not. After a batch that was not
 * fully applied the loop pauses before polling again, doubling the pause from
 * {@link ConsumerThread#MIN_BACKOFF} up to {@code maxBackoff}; a fully applied batch resets it.
 * Undecodable records are the handler's business: it logs and skips them
 * ({@link ConsumerThread#decode}), so they never stop the loop. The loop ends when the service
 * stops (the consumer is woken out of {@code poll}) or, logged as an ERROR, on any other failure
 * (subscribing, polling, rewinding; record by record also committing); closing the consumer then
 * leaves the group.
 *
 * <p>Each user only states its thread, group, topics and how it applies records: one database
 * transaction for the whole poll ({@link #inOneTransaction}) or record by record
 * ({@link #recordByRecord}).
 */
public final class GroupConsumerLoop {

    /**
     * @param threadName  the thread the loop runs on
     * @param name        how the loop's log lines call it ("status consumer")
     * @param groupId     the consumer group; every api-service instance shares it
     * @param clientId    the Kafka client id
     * @param topics      canonical topic names ({@link io.rgrid.model.Topics}); the deployment's prefix is applied
     * @param pollTimeout longest a single poll waits for records
     * @param maxBackoff  longest pause between attempts (also while waiting for the topics)
     */
    public record Settings(String threadName, String name, String groupId, String clientId, List<String> topics,
                           Duration pollTimeout, Duration maxBackoff) {
    }

    /** Applies one record inside the poll's transaction. */
    @FunctionalInterface
    public interface RecordWork {
        void apply(Connection connection, ConsumerRecord<String, byte[]> record) throws SQLException;
    }

    /** Applies one record on its own; a runtime exception means it was not applied and is tried again. */
    @FunctionalInterface
    public interface RecordHandler {
        void apply(ConsumerRecord<String, byte[]> record);
    }

    /** How the records of one poll are applied and their offsets committed. */
    public sealed interface Mode permits InOneTransaction, RecordByRecord {
        /**
         * Applies the records, commits the offsets of the ones applied and rewinds the consumer to
         * the first record of each partition that was not.
         *
         * @return false when some record was not applied (the loop pauses before it polls again)
         */
        boolean applyAndCommit(Consumer<String, byte[]> consumer, ConsumerRecords<String, byte[]> records, Logger log);
    }

    /**
     * The whole poll in one database transaction, then its offsets committed: all of it is applied
     * or none. When the transaction or the commit fails, one WARN ({@code "<what> not updated
     * (…); retrying"}), every partition is rewound to the batch's start and the batch is applied
     * again after the pause, so the work must be idempotent. Fits many small upserts (the cluster
     * read model): one commit per poll and never half a batch written.
     */
    public static Mode inOneTransaction(Transactions tx, String what, RecordWork work) {
        return new InOneTransaction(tx, what, work);
    }

    /**
     * Record by record in poll order, each applied by the handler on its own (in its own
     * transaction); the offsets of the records applied are committed even when a later one fails.
     * The first failure is one WARN ({@code "could not apply <what> at <partition> offset <n> (…);
     * retrying"}); its partition is rewound to that record and the partitions not reached yet to
     * their first record, so no record is skipped. Fits a handler that must act after each
     * record's own commit (status reports: {@code StatusService} fires {@code StateApplied}).
     */
    public static Mode recordByRecord(String what, RecordHandler handler) {
        return new RecordByRecord(what, handler);
    }

    private final KafkaClients kafka;
    private final TopicCreator topics;
    private final Logger log;
    private final Settings settings;
    private final Mode mode;
    private final ConsumerThread thread;

    /** @param log the logger of the consumer the loop belongs to: its lines keep that category */
    public GroupConsumerLoop(KafkaClients kafka, TopicCreator topics, Logger log, Settings settings, Mode mode) {
        this.kafka = kafka;
        this.topics = topics;
        this.log = log;
        this.settings = settings;
        this.mode = mode;
        this.thread = new ConsumerThread(settings.threadName(), this::run);
    }

    public void start() {
        thread.start();
    }

    /** Ends the loop: cuts a pause short, wakes the consumer out of {@code poll} and joins the thread. */
    public void stop() {
        thread.stop();
    }

    private void run() {
        if (!thread.awaitTopics(topics, settings.maxBackoff(), log)) {
            return;
        }
        List<String> names = settings.topics().stream().map(kafka::topic).toList();
        try (Consumer<String, byte[]> c = new KafkaConsumer<>(kafka.consumer(settings.groupId(), settings.clientId()))) {
            thread.attach(c);
            c.subscribe(names);
            log.infof("%s subscribed to %s", settings.name(), String.join(", ", names));
            Duration backoff = ConsumerThread.MIN_BACKOFF;
            while (thread.running()) {
                ConsumerRecords<String, byte[]> records = c.poll(settings.pollTimeout());
                if (records.isEmpty()) {
                    continue;
                }
                if (mode.applyAndCommit(c, records, log)) {
                    backoff = ConsumerThread.MIN_BACKOFF;
                } else {
                    thread.pause(backoff);
                    backoff = ConsumerThread.nextBackoff(backoff, settings.maxBackoff());
                }
            }
        } catch (WakeupException e) {
            // stop() wakes the consumer after it cleared running: only a wakeup from elsewhere is news
            if (thread.running()) {
                log.errorf(e, "%s woken unexpectedly", settings.name());
            }
        } catch (Exception e) {
            log.errorf(e, "%s stopped by an unexpected failure", settings.name());
        } finally {
            thread.attach(null);
        }
    }

    /**
     * Moves the consumer back to {@code offset} of a partition it still owns. A partition taken
     * away by a rebalance is skipped: its new owner starts from the last committed offset.
     */
    static void rewind(Consumer<String, byte[]> consumer, TopicPartition partition, long offset) {
        if (consumer.assignment().contains(partition)) {
            consumer.seek(partition, offset);
        }
    }

    record InOneTransaction(Transactions tx, String what, RecordWork work) implements Mode {
        @Override
        public boolean applyAndCommit(Consumer<String, byte[]> consumer, ConsumerRecords<String, byte[]> records, Logger log) {
            try {
                tx.inTransaction(connection -> {
                    for (ConsumerRecord<String, byte[]> record : records) {
                        work.apply(connection, record);
                    }
                    return null;
                });
                Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>();
                for (TopicPartition p : records.partitions()) {
                    done.put(p, new OffsetAndMetadata(records.records(p).getLast().offset() + 1));
                }
                consumer.commitSync(done);
                return true;
            } catch (RuntimeException e) {
                log.warnf("%s not updated (%s); retrying", what, e.getMessage());
                for (TopicPartition p : records.partitions()) {
                    rewind(consumer, p, records.records(p).getFirst().offset());
                }
                return false;
            }
        }
    }

    record RecordByRecord(String what, RecordHandler handler) implements Mode {
        @Override
        public boolean applyAndCommit(Consumer<String, byte[]> consumer, ConsumerRecords<String, byte[]> records, Logger log) {
            Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>();
            boolean failed = false;
            for (TopicPartition partition : records.partitions()) {
                for (ConsumerRecord<String, byte[]> record : records.records(partition)) {
                    if (failed) {
                        // Rewind this partition to its first unapplied record; the next poll returns it again.
                        consumer.seek(partition, record.offset());
                        break;
                    }
                    try {
                        handler.apply(record);
                        done.put(partition, new OffsetAndMetadata(record.offset() + 1));
                    } catch (RuntimeException e) {
                        log.warnf("could not apply %s at %s offset %d (%s); retrying", what, partition, record.offset(),
                                e.getMessage());
                        consumer.seek(partition, record.offset());
                        failed = true;
                        break;
                    }
                }
            }
            if (!done.isEmpty()) {
                try {
                    consumer.commitSync(done);
                } catch (RuntimeException e) {
                    // A rebalance or an unreachable coordinator: the records stay applied but not
                    // committed. Read them again (applying a report twice changes nothing: the state
                    // machine and attempt fencing refuse the repeat) rather than stop consuming.
                    log.warnf("could not commit the offsets of %s (%s); reading them again", what, e.getMessage());
                    for (TopicPartition partition : records.partitions()) {
                        rewind(consumer, partition, records.records(partition).getFirst().offset());
                    }
                    return false;
                }
            }
            return !failed;
        }
    }
}
