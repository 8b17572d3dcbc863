package io.rgrid.testinfra;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.rgrid.model.KafkaPrincipals;

import java.util.HashMap;
import java.util.Map;

/**
 * Points a {@code @QuarkusTest} at the test run's shared servers, isolated by a namespace
 * (init arg {@code namespace}, e.g. "api"): its own database, topic prefix and bucket.
 * <pre>
 * &#64;QuarkusTestResource(value = SharedServersResource.class,
 *                      initArgs = &#64;ResourceArg(name = "namespace", value = "api"))
 * </pre>
 * The service logs in to Kafka as init arg {@code kafka-user}: default {@code rgrid-api}; the
 * orchestrator's tests give {@code rgrid-orchestrator} (which also gets the workers' password for
 * the agents it starts), the agent's {@code rgrid-worker}.
 */
public class SharedServersResource implements QuarkusTestResourceLifecycleManager {

    private String namespace = "test";
    private String kafkaUser = KafkaPrincipals.API;

    @Override
    public void init(Map<String, String> initArgs) {
        namespace = initArgs.getOrDefault("namespace", namespace);
        kafkaUser = initArgs.getOrDefault("kafka-user", kafkaUser);
    }

    @Override
    public Map<String, String> start() {
        Servers servers = SharedServers.get();
        // The broker creates no topic by itself; a service that creates its own finds them there.
        TestKafka.createTopics(servers.kafka(), namespace + ".");
        Map<String, String> config = config(servers, namespace);
        config.putAll(servers.kafka().serviceConfig(kafkaUser));
        return config;
    }

    /**
     * The settings that point a service at {@code s} in {@code namespace}: the namespace's database
     * (created when missing), topic prefix and bucket, the broker's address and this JVM's
     * report-signing key ({@link SignedRecords}); the caller adds a Kafka login
     * ({@code s.kafka().serviceConfig(user)}). For resources that start more than the
     * servers and add settings of their own.
     */
    public static Map<String, String> config(Servers s, String namespace) {
        Map<String, String> config = new HashMap<>();
        config.put("quarkus.datasource.jdbc.url", s.jdbcUrl(namespace));
        config.put("quarkus.datasource.username", s.dbUser());
        config.put("quarkus.datasource.password", s.dbPassword());
        config.put("rgrid.kafka.bootstrap-servers", s.kafkaBootstrap());
        config.put("rgrid.kafka.topic-prefix", namespace + ".");
        config.put("rgrid.storage.endpoint", s.s3Endpoint());
        config.put("rgrid.storage.access-key", s.s3AccessKey());
        config.put("rgrid.storage.secret-key", s.s3SecretKey());
        config.put("rgrid.storage.bucket", namespace);
        config.put("rgrid.reports.signing-key", SignedRecords.controlPlaneKey());
        return config;
    }

    @Override
    public void stop() {
        // The servers outlive this test class on purpose: the rest of the run reuses them.
    }
}
