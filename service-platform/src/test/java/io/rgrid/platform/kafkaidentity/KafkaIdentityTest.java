package io.rgrid.platform.kafkaidentity;

import io.rgrid.model.KafkaPrincipals;
import io.rgrid.model.Topics;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** A Kafka login is complete or the service does not start; what it makes of a client; what a worker may do. */
class KafkaIdentityTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            complete            | SASL_SSL  | rgrid-api | s3cret    | ca.pem     |
            plaintext, no login | PLAINTEXT |           |           |            |
            unknown protocol    | SSL       | rgrid-api | s3cret    | ca.pem     | rgrid.kafka.security-protocol must be SASL_SSL or PLAINTEXT, got SSL
            no user             | SASL_SSL  |           | s3cret    | ca.pem     | rgrid.kafka.username is not set: every Kafka client authenticates (SASL/SCRAM over TLS)
            no password         | SASL_SSL  | rgrid-api |           | ca.pem     | rgrid.kafka.password is not set: every Kafka client authenticates (SASL/SCRAM over TLS)
            quote in password   | SASL_SSL  | rgrid-api | a"b       | ca.pem     | rgrid.kafka.password must not contain '"' or '\\'
            no CA file          | SASL_SSL  | rgrid-api | s3cret    |            | rgrid.kafka.ca-file must name a readable PEM file (the Kafka broker's CA), got null
            CA file missing     | SASL_SSL  | rgrid-api | s3cret    | absent.pem | rgrid.kafka.ca-file must name a readable PEM file (the Kafka broker's CA), got DIR/absent.pem
            """)
    void checksTheLogin(String name, String protocol, String user, String password, String ca, String problem)
            throws IOException {
        Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\n");
        Path caFile = ca == null ? null : dir.resolve(ca);
        if (problem == null) {
            assertThat(new KafkaIdentity(protocol, user, password, caFile).securityProtocol()).isEqualTo(protocol);
        } else {
            assertThatIllegalArgumentException().isThrownBy(() -> new KafkaIdentity(protocol, user, password, caFile))
                    .withMessage(problem.replace("DIR", dir.toString()));
        }
    }

    @Test
    void aScramClientLogsInOverTlsTrustingTheBrokersCa() throws IOException {
        Path ca = Files.writeString(dir.resolve("ca.pem"), "pem");
        Map<String, Object> settings = KafkaIdentity.scram("rgrid-api", "s3cret", ca).clientSettings("10.0.0.2:9092");
        assertThat(settings).containsOnly(
                Map.entry("bootstrap.servers", "10.0.0.2:9092"),
                Map.entry("security.protocol", "SASL_SSL"),
                Map.entry("sasl.mechanism", "SCRAM-SHA-512"),
                Map.entry("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required "
                        + "username=\"rgrid-api\" password=\"s3cret\";"),
                Map.entry("ssl.truststore.type", "PEM"),
                Map.entry("ssl.truststore.location", ca.toString()));
        assertThat(KafkaIdentity.scram("rgrid-api", "s3cret", ca).toString()).doesNotContain("s3cret");
    }

    @Test
    void aPlaintextClientHasNoLogin() {
        assertThat(KafkaIdentity.plaintext().clientSettings("h:9092"))
                .containsOnly(Map.entry("bootstrap.servers", "h:9092"), Map.entry("security.protocol", "PLAINTEXT"));
    }

    @Test
    void aWorkerMayWriteItsThreeTopicsUnderThePrefixAndNothingElse() {
        assertThat(WorkerAcls.of("p.")).extracting(AclBinding::pattern)
                .allSatisfy(p -> {
                    assertThat(p.resourceType()).isEqualTo(ResourceType.TOPIC);
                    assertThat(p.patternType()).isEqualTo(PatternType.LITERAL);
                })
                .extracting(ResourcePattern::name)
                .containsExactly("p." + Topics.EXECUTION_STATUS, "p." + Topics.EXECUTION_LOGS, "p." + Topics.WORKER_HEARTBEATS);
        assertThat(WorkerAcls.of("")).extracting(AclBinding::entry).allSatisfy(e -> {
            assertThat(e.principal()).isEqualTo("User:" + KafkaPrincipals.WORKER);
            assertThat(e.host()).isEqualTo("*");
            assertThat(e.operation()).isEqualTo(AclOperation.WRITE);
            assertThat(e.permissionType()).isEqualTo(AclPermissionType.ALLOW);
        });
    }
}
