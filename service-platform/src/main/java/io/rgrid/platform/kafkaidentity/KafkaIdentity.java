package io.rgrid.platform.kafkaidentity;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Who a Kafka client is: a SCRAM-SHA-512 user and password, and the PEM file of the certificate
 * authority the broker's TLS certificate is signed by. Every broker RGrid ships (local grid, test
 * servers, {@code deploy/kafka/server.properties}) listens with SASL_SSL only, so these settings
 * are part of every client's configuration ({@link #clientSettings}).
 *
 * <p>The password goes into a JAAS line between double quotes, so it must not contain {@code "}
 * or {@code \}; the generated ones are hex.
 *
 * <p>{@code rgrid.kafka.security-protocol=PLAINTEXT} ({@link #plaintext()}) turns it off, for a
 * broker of an operator's own that listens without TLS (no broker RGrid ships does); then the
 * other three may be empty.
 *
 * @param securityProtocol {@code SASL_SSL} (the default) or {@code PLAINTEXT}
 * @param username SCRAM user, the client's principal ({@code User:<username>} in ACLs)
 * @param password its SCRAM password
 * @param caFile   PEM certificate(s) the client trusts for the broker's certificate
 */
public record KafkaIdentity(String securityProtocol, String username, String password, Path caFile) {

    public static final String SECURITY_PROTOCOL = "SASL_SSL";
    public static final String PLAINTEXT = "PLAINTEXT";
    public static final String SASL_MECHANISM = "SCRAM-SHA-512";
    private static final String LOGIN_MODULE = "org.apache.kafka.common.security.scram.ScramLoginModule";

    public KafkaIdentity {
        if (!PLAINTEXT.equals(securityProtocol)) {
            requireScramLogin(securityProtocol, username, password, caFile);
        }
    }

    private static void requireScramLogin(String securityProtocol, String username, String password, Path caFile) {
        if (!SECURITY_PROTOCOL.equals(securityProtocol)) {
            throw new IllegalArgumentException("rgrid.kafka.security-protocol must be " + SECURITY_PROTOCOL + " or " + PLAINTEXT
                    + ", got " + securityProtocol);
        }
        require(username, "rgrid.kafka.username");
        require(password, "rgrid.kafka.password");
        if (password.contains("\"") || password.contains("\\")) {
            throw new IllegalArgumentException("rgrid.kafka.password must not contain '\"' or '\\'");
        }
        if (caFile == null || !Files.isReadable(caFile)) {
            throw new IllegalArgumentException("rgrid.kafka.ca-file must name a readable PEM file (the Kafka broker's CA), got "
                    + caFile);
        }
    }

    /** An identity of SASL_SSL. */
    public static KafkaIdentity scram(String username, String password, Path caFile) {
        return new KafkaIdentity(SECURITY_PROTOCOL, username, password, caFile);
    }

    /** No identity: a PLAINTEXT client. */
    public static KafkaIdentity plaintext() {
        return new KafkaIdentity(PLAINTEXT, "", "", null);
    }

    /** The JAAS line a client logs in with (holds the password: never log it). */
    public String jaasConfig() {
        return jaasConfig(username, password);
    }

    /** The JAAS line of SCRAM user {@code username} (a broker's own inter-broker login too). */
    public static String jaasConfig(String username, String password) {
        return LOGIN_MODULE + " required username=\"" + username + "\" password=\"" + password + "\";";
    }

    /** The security settings of a producer, consumer or admin client. */
    public Map<String, Object> clientSettings() {
        Map<String, Object> settings = new HashMap<>();
        settings.put("security.protocol", securityProtocol);
        if (PLAINTEXT.equals(securityProtocol)) {
            return settings;
        }
        settings.put("sasl.mechanism", SASL_MECHANISM);
        settings.put("sasl.jaas.config", jaasConfig());
        settings.put("ssl.truststore.type", "PEM");
        settings.put("ssl.truststore.location", caFile.toString());
        return settings;
    }

    /** {@link #clientSettings()} plus {@code bootstrap.servers}. */
    public Map<String, Object> clientSettings(String bootstrapServers) {
        Map<String, Object> settings = clientSettings();
        settings.put("bootstrap.servers", bootstrapServers);
        return settings;
    }

    private static void require(String value, String key) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(key + " is not set: every Kafka client authenticates (SASL/SCRAM over TLS)");
        }
    }

    @Override
    public String toString() {
        return "KafkaIdentity[" + securityProtocol + ", username=" + username + ", password=***, caFile=" + caFile + "]";
    }
}
