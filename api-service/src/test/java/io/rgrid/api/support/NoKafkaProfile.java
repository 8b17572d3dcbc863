package io.rgrid.api.support;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/** Points every Kafka client of the service at a port nobody listens on. */
public class NoKafkaProfile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("rgrid.kafka.bootstrap-servers", "127.0.0.1:9",
                "rgrid.kafka.request-timeout", "2s");
    }
}
