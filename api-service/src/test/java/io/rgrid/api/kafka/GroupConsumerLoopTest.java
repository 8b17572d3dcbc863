package io.rgrid.api.kafka;

import io.rgrid.platform.db.Transactions;
import io.rgrid.model.event.Envelope;
import io.rgrid.model.event.Event;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** What each {@link GroupConsumerLoop.Mode} applies, commits and rewinds, on Kafka's MockConsumer. */
class GroupConsumerLoopTest {

    private static final Logger LOG = Logger.getLogger(GroupConsumerLoopTest.class);
    private static final TopicPartition P0 = new TopicPartition("t", 0);
    private static final TopicPartition P1 = new TopicPartition("t", 1);

    @Test
    void recordByRecordCommitsWhatWasAppliedAndRewindsToTheFirstFailure() {
        MockConsumer<String, byte[]> consumer = consumer(Map.of(P0, 3));
        List<Long> applied = new ArrayList<>();
        GroupConsumerLoop.Mode mode = GroupConsumerLoop.recordByRecord("test record", record -> {
            if (record.offset() == 1) {
                throw new IllegalStateException("database down");
            }
            applied.add(record.offset());
        });

        assertThat(mode.applyAndCommit(consumer, consumer.poll(Duration.ZERO), LOG)).isFalse();

        assertThat(applied).containsExactly(0L);
        assertThat(committed(consumer, P0)).isEqualTo(1);
        assertThat(consumer.position(P0)).isEqualTo(1);
    }

    @Test
    void recordByRecordRewindsThePartitionsNotReachedAfterAFailure() {
        MockConsumer<String, byte[]> consumer = consumer(Map.of(P0, 2, P1, 2));
        ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ZERO);
        TopicPartition first = records.partitions().iterator().next();
        TopicPartition second = first.equals(P0) ? P1 : P0;
        GroupConsumerLoop.Mode mode = GroupConsumerLoop.recordByRecord("test record", record -> {
            if (record.partition() == first.partition() && record.offset() == 1) {
                throw new IllegalStateException("database down");
            }
        });

        assertThat(mode.applyAndCommit(consumer, records, LOG)).isFalse();

        assertThat(committed(consumer, first)).isEqualTo(1);
        assertThat(committed(consumer, second)).isNull();
        assertThat(consumer.position(first)).isEqualTo(1);
        assertThat(consumer.position(second)).isZero();
    }

    @Test
    void recordByRecordCommitsEverythingAndSkipsMalformedRecords() {
        MockConsumer<String, byte[]> consumer = consumer(Map.of(P0, 2, P1, 1));
        consumer.addRecord(new ConsumerRecord<>("t", 0, 2, "k", "not json".getBytes(StandardCharsets.UTF_8)));
        List<Optional<Envelope<Event>>> decoded = new ArrayList<>();
        GroupConsumerLoop.Mode mode = GroupConsumerLoop.recordByRecord("test record",
                record -> decoded.add(ConsumerThread.decode(record, LOG)));

        assertThat(mode.applyAndCommit(consumer, consumer.poll(Duration.ZERO), LOG)).isTrue();

        assertThat(decoded).hasSize(4).allMatch(Optional::isEmpty);
        assertThat(committed(consumer, P0)).isEqualTo(3);
        assertThat(committed(consumer, P1)).isEqualTo(1);
    }

    /** A failed commit (a rebalance, the coordinator away) must not end the loop: the batch is read again. */
    @Test
    void recordByRecordReadsTheBatchAgainWhenItsCommitFails() {
        MockConsumer<String, byte[]> consumer = failingCommits(Map.of(P0, 2));
        List<Long> applied = new ArrayList<>();
        GroupConsumerLoop.Mode mode = GroupConsumerLoop.recordByRecord("test record", record -> applied.add(record.offset()));

        assertThat(mode.applyAndCommit(consumer, consumer.poll(Duration.ZERO), LOG)).isFalse();

        assertThat(applied).containsExactly(0L, 1L);
        assertThat(committed(consumer, P0)).isNull();
        assertThat(consumer.position(P0)).isZero();
    }

    @Test
    void aRewindSkipsAPartitionNoLongerAssigned() {
        MockConsumer<String, byte[]> consumer = consumer(Map.of(P0, 2, P1, 2));
        ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ZERO);
        consumer.assign(Set.of(P0)); // P1 revoked by a rebalance after the poll

        GroupConsumerLoop.rewind(consumer, P1, 0);
        GroupConsumerLoop.rewind(consumer, P0, 0);

        assertThat(records.count()).isEqualTo(4);
        assertThat(consumer.position(P0)).isZero();
    }

    @Test
    void oneTransactionCommitsTheWholeBatchAfterItsTransaction() {
        MockConsumer<String, byte[]> consumer = consumer(Map.of(P0, 2, P1, 3));
        FakeTransactions tx = new FakeTransactions();
        GroupConsumerLoop.Mode mode = GroupConsumerLoop.inOneTransaction(tx, "test model",
                (connection, record) -> tx.pending.add(record.partition() + ":" + record.offset()));

        assertThat(mode.applyAndCommit(consumer, consumer.poll(Duration.ZERO), LOG)).isTrue();

        assertThat(tx.committed).containsExactlyInAnyOrder("0:0", "0:1", "1:0", "1:1", "1:2");
        assertThat(committed(consumer, P0)).isEqualTo(2);
        assertThat(committed(consumer, P1)).isEqualTo(3);
    }

    @Test
    void oneTransactionWritesNothingAndRewindsTheBatchWhenARecordFails() {
        MockConsumer<String, byte[]> consumer = consumer(Map.of(P0, 2, P1, 3));
        FakeTransactions tx = new FakeTransactions();
        GroupConsumerLoop.Mode mode = GroupConsumerLoop.inOneTransaction(tx, "test model", (connection, record) -> {
            if (record.partition() == 1 && record.offset() == 1) {
                throw new SQLException("connection lost", "08006");
            }
            tx.pending.add(record.partition() + ":" + record.offset());
        });

        assertThat(mode.applyAndCommit(consumer, consumer.poll(Duration.ZERO), LOG)).isFalse();

        assertThat(tx.committed).isEmpty();
        assertThat(committed(consumer, P0)).isNull();
        assertThat(committed(consumer, P1)).isNull();
        assertThat(consumer.position(P0)).isZero();
        assertThat(consumer.position(P1)).isZero();
    }

    @Test
    void oneTransactionRewindsTheBatchWhenItsCommitFails() {
        MockConsumer<String, byte[]> consumer = failingCommits(Map.of(P0, 2));
        FakeTransactions tx = new FakeTransactions();
        GroupConsumerLoop.Mode mode = GroupConsumerLoop.inOneTransaction(tx, "test model",
                (connection, record) -> tx.pending.add(record.partition() + ":" + record.offset()));

        assertThat(mode.applyAndCommit(consumer, consumer.poll(Duration.ZERO), LOG)).isFalse();

        assertThat(consumer.position(P0)).isZero();
    }

    /** A consumer assigned the partitions, each holding that many records from offset 0. */
    private static MockConsumer<String, byte[]> consumer(Map<TopicPartition, Integer> counts) {
        return fill(new MockConsumer<>("earliest"), counts);
    }

    private static MockConsumer<String, byte[]> failingCommits(Map<TopicPartition, Integer> counts) {
        return fill(new MockConsumer<>("earliest") {
            @Override
            public synchronized void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
                throw new TimeoutException("coordinator unavailable");
            }
        }, counts);
    }

    private static MockConsumer<String, byte[]> fill(MockConsumer<String, byte[]> consumer, Map<TopicPartition, Integer> counts) {
        consumer.assign(counts.keySet());
        Map<TopicPartition, Long> beginning = new HashMap<>();
        counts.keySet().forEach(p -> beginning.put(p, 0L));
        consumer.updateBeginningOffsets(beginning);
        counts.forEach((p, n) -> {
            for (int offset = 0; offset < n; offset++) {
                consumer.addRecord(new ConsumerRecord<>(p.topic(), p.partition(), offset, "k",
                        "{\"type\":\"SomethingFromTheFuture\",\"payload\":{}}".getBytes(StandardCharsets.UTF_8)));
            }
        });
        return consumer;
    }

    private static Long committed(MockConsumer<String, byte[]> consumer, TopicPartition p) {
        OffsetAndMetadata offset = consumer.committed(Set.of(p)).get(p);
        return offset == null ? null : offset.offset();
    }

    /** Keeps what the work added only when the work returns, like a commit; drops it when it throws. */
    private static final class FakeTransactions extends Transactions {
        final List<String> pending = new ArrayList<>();
        final List<String> committed = new ArrayList<>();

        FakeTransactions() {
            super(null);
        }

        @Override
        public <T> T inTransaction(Work<T> work) {
            try {
                T result = work.run(null);
                committed.addAll(pending);
                return result;
            } catch (SQLException e) {
                throw new io.rgrid.platform.db.DatabaseException(e);
            } finally {
                pending.clear();
            }
        }
    }
}
