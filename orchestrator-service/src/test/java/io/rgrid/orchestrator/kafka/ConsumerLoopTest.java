package io.rgrid.orchestrator.kafka;

import io.rgrid.model.event.Envelope;
import io.rgrid.model.event.EventCodec;
import io.rgrid.model.event.WorkerHeartbeat;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The orchestrator's consumer loop on Kafka's MockConsumer: what it hands out, commits and reads again. */
class ConsumerLoopTest {

    private static final TopicPartition TP = new TopicPartition("t", 0);

    @Test
    void aFailedOffsetCommitReadsTheBatchAgainInsteadOfEndingTheLoop() {
        AtomicInteger commits = new AtomicInteger();
        MockConsumer<String, byte[]> consumer = new MockConsumer<>("earliest") {
            @Override
            public synchronized void commitSync() {
                if (commits.incrementAndGet() == 1) {
                    throw new TimeoutException("coordinator unavailable");
                }
                super.commitSync();
            }
        };
        List<String> handled = new CopyOnWriteArrayList<>();
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(TP));
            consumer.updateBeginningOffsets(Map.of(TP, 0L));
            consumer.addRecord(new ConsumerRecord<>("t", 0, 0, "w", heartbeat("rgrid-worker-aaaaaa")));
            consumer.addRecord(new ConsumerRecord<>("t", 0, 1, "x", "not json".getBytes(StandardCharsets.UTF_8)));
            consumer.addRecord(new ConsumerRecord<>("t", 0, 2, "w", heartbeat("rgrid-worker-bbbbbb")));
        });
        // MockConsumer hands a record out once, so what the rewind did is read from the position
        // the next poll starts at; the loop must still be polling to get there.
        AtomicLong positionAfterFailedCommit = new AtomicLong(-1);
        consumer.schedulePollTask(() -> {
            positionAfterFailedCommit.set(consumer.position(TP));
            consumer.addRecord(new ConsumerRecord<>("t", 0, 3, "w", heartbeat("rgrid-worker-cccccc")));
        });
        ConsumerLoop.Handler handler = envelope -> handled.add(((WorkerHeartbeat) envelope.payload()).workerId());
        ConsumerLoop loop = new ConsumerLoop(consumer, "t", handler, () -> {
        });
        loop.start("consumer-test");
        try {
            await().atMost(Duration.ofSeconds(20)).until(() -> commits.get() >= 2);
            assertThat(positionAfterFailedCommit.get()).isZero(); // the batch is read again from its start
            assertThat(handled).containsExactly("rgrid-worker-aaaaaa", "rgrid-worker-bbbbbb", "rgrid-worker-cccccc");
            assertThat(consumer.committed(Set.of(TP)).get(TP).offset()).isEqualTo(4);
        } finally {
            loop.stop();
        }
    }

    private static byte[] heartbeat(String workerId) {
        return EventCodec.encode(Envelope.of(new WorkerHeartbeat(workerId, "http://127.0.0.1:1", 1, 1, 512, List.of(),
                "test", "process", false)));
    }
}
