package io.rgrid.testinfra;

import io.rgrid.model.KafkaPrincipals;
import io.rgrid.platform.kafkaidentity.KafkaIdentity;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * How a test logs in to one of its brokers (the shared servers' or a {@link PausableKafka}): every
 * broker of the tests is SASL_SSL with SCRAM users ({@link KafkaPrincipals}) and a CA the broker
 * generated with its data directory.
 *
 * @param bootstrap the broker's address
 * @param caFile    its CA (PEM)
 * @param passwords each user's SCRAM password
 */
public record KafkaLogins(String bootstrap, String caFile, Map<String, String> passwords) {

    /** The logins of the broker whose data directory (local-grid's KafkaSecrets files) is {@code dir}. */
    static KafkaLogins fromDataDir(String bootstrap, Path dir) {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(dir.resolve("secrets.properties"))) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("no Kafka secrets in " + dir + ": " + e.getMessage(), e);
        }
        Map<String, String> passwords = new HashMap<>();
        KafkaPrincipals.ALL.forEach(user -> passwords.put(user, p.getProperty("user." + user)));
        return new KafkaLogins(bootstrap, dir.resolve("ca.pem").toAbsolutePath().toString(), Map.copyOf(passwords));
    }

    /** {@code user}'s identity. */
    public KafkaIdentity identity(String user) {
        String password = passwords.get(user);
        if (password == null) {
            throw new IllegalArgumentException("no Kafka user " + user + " on " + bootstrap);
        }
        return KafkaIdentity.scram(user, password, Path.of(caFile));
    }

    /** A client's settings as {@code user}: bootstrap servers and login. */
    public Map<String, Object> client(String user) {
        return identity(user).clientSettings(bootstrap);
    }

    /** A client's settings as a control-plane user (a super user: creates topics and ACLs, reads everything). */
    public Map<String, Object> admin() {
        return client(KafkaPrincipals.ORCHESTRATOR);
    }

    /** {@link #admin()} plus {@code settings}. */
    public Map<String, Object> admin(Map<String, ?> settings) {
        Map<String, Object> merged = admin();
        merged.putAll(settings);
        return merged;
    }

    /** {@link #client(String)} plus {@code settings}. */
    public Map<String, Object> client(String user, Map<String, ?> settings) {
        Map<String, Object> merged = client(user);
        merged.putAll(settings);
        return merged;
    }

    /**
     * {@code user}'s settings as a service's config keys ({@code rgrid.kafka.*}). The orchestrator
     * makes each agent it starts a login of its own (a super user may).
     */
    public Map<String, String> serviceConfig(String user) {
        Map<String, String> config = new HashMap<>();
        config.put("rgrid.kafka.bootstrap-servers", bootstrap);
        config.put("rgrid.kafka.security-protocol", KafkaIdentity.SECURITY_PROTOCOL);
        config.put("rgrid.kafka.username", user);
        config.put("rgrid.kafka.password", identity(user).password());
        config.put("rgrid.kafka.ca-file", caFile);
        return config;
    }

    /**
     * {@link #serviceConfig} as {@code -Dkey=value} options of a service a test starts as a process
     * (the password is then on a test machine's command line, which production never does).
     */
    public List<String> javaOptions(String user) {
        return serviceConfig(user).entrySet().stream().map(e -> "-D" + e.getKey() + "=" + e.getValue()).toList();
    }

    /** A static agent's (the shared workers' principal's) settings as environment variables. */
    public Map<String, String> agentEnv() {
        Map<String, String> env = new HashMap<>();
        env.put("RGRID_KAFKA_BOOTSTRAP_SERVERS", bootstrap);
        env.put("RGRID_KAFKA_SECURITY_PROTOCOL", KafkaIdentity.SECURITY_PROTOCOL);
        env.put("RGRID_KAFKA_USERNAME", KafkaPrincipals.WORKER);
        env.put("RGRID_KAFKA_PASSWORD", passwords.get(KafkaPrincipals.WORKER));
        env.put("RGRID_KAFKA_CA_FILE", caFile);
        return env;
    }

    @Override
    public String toString() {
        return "KafkaLogins[" + bootstrap + ", ca " + caFile + ", users " + passwords.keySet() + "]";
    }
}
