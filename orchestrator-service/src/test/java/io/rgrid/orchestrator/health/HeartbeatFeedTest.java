package io.rgrid.orchestrator.health;

import io.rgrid.model.Topics;
import io.rgrid.testinfra.KafkaLogins;
import io.rgrid.testinfra.SharedServers;
import io.rgrid.testinfra.TestKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Whether the heartbeat consumer is caught up: the rule as a table, then against a real broker and a dead one. */
class HeartbeatFeedTest {

    /** Offsets per partition written as {@code 0=5;1=7}; {@code -} for none. */
    @ParameterizedTest(name = "[{index}] {0}: committed {1} end {2} previous end {3} -> {4}")
    @CsvSource(delimiter = '|', textBlock = """
            # case                                            | committed | end     | previous | caught up
            at the end                                        | 0=5;1=7   | 0=5;1=7 | -        | true
            one partition behind                              | 0=5;1=6   | 0=5;1=7 | -        | false
            never committed, nothing written                  | -         | 0=0;1=0 | -        | true
            never committed, records waiting                  | -         | 0=3;1=0 | -        | false
            behind now but past the previous look end         | 0=5;1=7   | 0=9;1=9 | 0=5;1=7  | true
            behind the previous look end too                  | 0=4;1=7   | 0=9;1=9 | 0=5;1=7  | false
            a partition the previous look did not see         | 0=5;1=7   | 0=5;1=9 | 0=5      | false
            """)
    void caughtUp(String name, String committed, String end, String previous, boolean expected) {
        assertThat(HeartbeatFeed.caughtUp(offsets(committed), offsets(end), offsets(previous))).as(name)
                .isEqualTo(expected);
    }

    @Test
    void kafkaUnreachableIsUnknown() {
        HeartbeatFeed feed = new HeartbeatFeed(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1"), "t", "g",
                Duration.ofSeconds(1));
        try {
            assertThat(feed.look(Instant.now(), Duration.ofSeconds(45))).isEqualTo(LivenessDecision.Feed.UNKNOWN);
        } finally {
            feed.close();
        }
    }

    @Test
    void readsTheGroupsPositionFromTheBroker() throws Exception {
        KafkaLogins kafka = SharedServers.get().kafka();
        String prefix = "feed" + UUID.randomUUID().toString().substring(0, 8) + ".";
        TestKafka.createTopics(kafka, prefix);
        String topic = Topics.named(prefix, Topics.WORKER_HEARTBEATS);
        String group = prefix + "heartbeats";
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(kafka.admin(Map.of(
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class)));
             Admin admin = Admin.create(kafka.admin())) {
            for (int i = 0; i < 3; i++) {
                TestKafka.send(producer, topic, "w-1", new byte[] {1}).get();
            }
            HeartbeatFeed feed = new HeartbeatFeed(kafka.admin(), topic, group, Duration.ofSeconds(10));
            try {
                Instant now = Instant.now();
                // Nothing committed, three heartbeats waiting.
                assertThat(feed.look(now, Duration.ofSeconds(45))).isEqualTo(LivenessDecision.Feed.BEHIND);

                commitToTheEnd(admin, topic, group);
                // Every partition committed to its end.
                assertThat(feed.look(now.plusSeconds(1), Duration.ofSeconds(45)))
                        .isEqualTo(LivenessDecision.Feed.CAUGHT_UP);

                // A heartbeat arrives after that look: the consumer still applied all the previous look saw.
                TestKafka.send(producer, topic, "w-1", new byte[] {1}).get();
                assertThat(feed.look(now.plusSeconds(2), Duration.ofSeconds(45)))
                        .isEqualTo(LivenessDecision.Feed.CAUGHT_UP);
                // The next look saw it too; it is still not applied.
                assertThat(feed.look(now.plusSeconds(3), Duration.ofSeconds(45)))
                        .isEqualTo(LivenessDecision.Feed.BEHIND);
                // A previous look older than the bound does not count: only the end counts.
                commitToTheEnd(admin, topic, group);
                TestKafka.send(producer, topic, "w-1", new byte[] {1}).get();
                assertThat(feed.look(now.plusSeconds(100), Duration.ofSeconds(45)))
                        .isEqualTo(LivenessDecision.Feed.BEHIND);
            } finally {
                feed.close();
            }
        }
    }

    /** What the orchestrator's consumer does after applying a poll: commit every partition's position. */
    private static void commitToTheEnd(Admin admin, String topic, String group) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int partition = 0; partition < Topics.PARTITIONS; partition++) {
            latest.put(new TopicPartition(topic, partition), OffsetSpec.latest());
        }
        Map<TopicPartition, OffsetAndMetadata> applied = new HashMap<>();
        for (var end : admin.listOffsets(latest).all().get().entrySet()) {
            applied.put(end.getKey(), new OffsetAndMetadata(end.getValue().offset()));
        }
        admin.alterConsumerGroupOffsets(group, applied).all().get();
    }

    private static Map<Integer, Long> offsets(String text) {
        Map<Integer, Long> out = new HashMap<>();
        if (text.equals("-")) {
            return out;
        }
        for (String pair : text.split(";")) {
            String[] parts = pair.split("=");
            out.put(Integer.parseInt(parts[0]), Long.parseLong(parts[1]));
        }
        return out;
    }
}
