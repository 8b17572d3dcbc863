package io.rgrid.platform.kafkaidentity;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.nio.file.Path;
import java.util.Optional;

/**
 * This service's {@link KafkaIdentity} from {@code rgrid.kafka.security-protocol}, {@code rgrid.kafka.username}, {@code rgrid.kafka.password}
 * and {@code rgrid.kafka.ca-file} (env RGRID_KAFKA_SECURITY_PROTOCOL, RGRID_KAFKA_USERNAME, RGRID_KAFKA_PASSWORD,
 * RGRID_KAFKA_CA_FILE), for the Kafka clients a service creates itself (admin clients); the
 * SmallRye channels get the same keys through {@code kafka.*} in this module's
 * {@code META-INF/microprofile-config.properties}.
 */
@Singleton
public class KafkaIdentityBeans {

    @Produces
    @Singleton
    KafkaIdentity identity(@ConfigProperty(name = "rgrid.kafka.security-protocol", defaultValue = KafkaIdentity.SECURITY_PROTOCOL) String protocol,
                           @ConfigProperty(name = "rgrid.kafka.username") Optional<String> username,
                           @ConfigProperty(name = "rgrid.kafka.password") Optional<String> password,
                           @ConfigProperty(name = "rgrid.kafka.ca-file") Optional<String> caFile) {
        return new KafkaIdentity(protocol, username.orElse(""), password.orElse(""), caFile.map(Path::of).orElse(null));
    }
}
