package io.rgrid.e2e.security;

import io.rgrid.e2e.grid.GridExtension;
import io.rgrid.e2e.grid.KillableGrid;
import io.rgrid.e2e.grid.SuiteOrder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs last, after the chaos run and the other security checks on the same grid: no secret the
 * grid was given or handed out appears in any log file the run produced (services, Kafka, S3,
 * PostgreSQL, every worker-agent) or in any record of any Kafka topic. The secrets: the admin API
 * key, api-service's hash secret, every project key and dashboard session cookie the suites
 * were given (revoked ones included), the S3 secret key, the
 * (fake, recognisable) Hetzner token the services got, and every worker token the orchestrator
 * issued.
 */
@ExtendWith(GridExtension.class)
@Order(SuiteOrder.SECRETS)
class SecretsNeverLoggedTest {

    @Test
    void noSecretAppearsInAnyLogFileOrKafkaRecord(KillableGrid grid) throws Exception {
        Map<String, String> secrets = new LinkedHashMap<>();
        secrets.put("admin API key", grid.adminKey());
        secrets.put("API hash secret", grid.hashSecret());
        secrets.put("report signing key", grid.reportSigningKey());
        secrets.put("S3 secret key", grid.s3SecretKey());
        secrets.put("Hetzner token", KillableGrid.FAKE_HETZNER_TOKEN);
        grid.kafkaLogins().passwords().forEach((user, password) -> secrets.put("Kafka password of " + user, password));
        for (int i = 0; i < ProjectKeys.ISSUED.size(); i++) {
            secrets.put("project key or session cookie #" + (i + 1), ProjectKeys.ISSUED.get(i));
        }
        try (Connection c = DriverManager.getConnection(grid.jdbcUrl(), "postgres", "");
             var s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT id, token FROM orchestrator.workers WHERE token IS NOT NULL")) {
            while (rs.next()) {
                secrets.put("worker token of " + rs.getString(1), rs.getString(2));
            }
        }
        assertThat(secrets.values()).allSatisfy(secret -> assertThat(secret).hasSizeGreaterThanOrEqualTo(16));

        List<String> leaks = new ArrayList<>();
        List<Path> files = grid.logFiles();
        long bytes = 0;
        for (Path file : files) {
            String text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
            bytes += text.length();
            secrets.forEach((name, secret) -> {
                if (text.contains(secret)) {
                    leaks.add(name + " in " + grid.dir().relativize(file));
                }
            });
        }
        int records = 0;
        Map<String, Integer> perTopic = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : allRecords(grid)) {
            records++;
            perTopic.merge(record.topic(), 1, Integer::sum);
            String text = (record.key() == null ? "" : new String(record.key(), StandardCharsets.UTF_8)) + "\n"
                    + (record.value() == null ? "" : new String(record.value(), StandardCharsets.UTF_8));
            for (var header : record.headers()) {
                text += "\n" + header.key() + "=" + new String(header.value(), StandardCharsets.UTF_8);
            }
            String all = text;
            secrets.forEach((name, secret) -> {
                if (all.contains(secret)) {
                    leaks.add(name + " in " + record.topic() + "/" + record.partition() + "@" + record.offset());
                }
            });
        }
        System.out.printf("[security] searched %d secrets in %d log files (%d KiB) and %d Kafka records %s%n",
                secrets.size(), files.size(), bytes / 1024, records, perTopic);
        // The search covered real material: the services' and agents' logs and the events of the whole run.
        assertThat(files.stream().map(f -> f.getFileName().toString()))
                .contains("api-service.log", "orchestrator.log", "kafka.log", "s3.log");
        assertThat(files.stream().filter(f -> f.getParent().equals(grid.workersDir()))).as("agent logs").isNotEmpty();
        assertThat(perTopic.keySet()).anyMatch(t -> t.contains("execution-status"));
        assertThat(records).isGreaterThan(500);
        assertThat(leaks).as("secrets found in logs or events").isEmpty();
    }

    private static List<ConsumerRecord<byte[], byte[]>> allRecords(KillableGrid grid) throws Exception {
        Properties admin = new Properties();
        admin.putAll(grid.kafkaLogins().admin());
        Set<String> topics;
        try (Admin client = Admin.create(admin)) {
            topics = client.listTopics(new org.apache.kafka.clients.admin.ListTopicsOptions().listInternal(true)).names().get();
        }
        Properties props = new Properties();
        props.putAll(grid.kafkaLogins().admin());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : topics) {
                consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p)) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(out::add);
            }
            assertThat(partitions).as("every partition read to its end").allMatch(p -> consumer.position(p) >= end.get(p));
        }
        return out;
    }
}
