package io.rgrid.orchestrator.kafka;

import io.rgrid.model.KafkaPrincipals;
import io.rgrid.orchestrator.config.RgridConfig;
import io.rgrid.platform.kafkaidentity.KafkaIdentity;
import io.rgrid.platform.kafkaidentity.WorkerAcls;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialDeletion;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.errors.ResourceNotFoundException;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Each provisioned worker's own Kafka principal (docs/security.md, "Kafka"): before its agent
 * starts, the orchestrator creates the SCRAM user {@link KafkaPrincipals#provisionedWorker} with a
 * random password and grants it WRITE on the status, log and heartbeat topics
 * ({@link WorkerAcls#of(String, String)}); when the worker is deleted it deletes both, so the
 * credential its disk held opens no connection and an open one can write nothing more (the broker
 * checks ACLs at every request). Under {@code PLAINTEXT} there are no logins: nothing is issued.
 */
@ApplicationScoped
public class WorkerLogins {

    private static final Logger LOG = Logger.getLogger(WorkerLogins.class);
    /** Kafka's own tools' default; the broker refuses fewer than 4096. */
    private static final int SCRAM_ITERATIONS = 4096;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String securityProtocol;
    private final String topicPrefix;
    private final Map<String, Object> adminSettings;
    private final Duration timeout;

    @Inject
    public WorkerLogins(RgridConfig config, KafkaIdentity identity,
                        @ConfigProperty(name = "rgrid.kafka.request-timeout", defaultValue = "10s") Duration timeout) {
        this(config.kafka().securityProtocol(), config.kafka().topicPrefix().orElse(""),
                identity.clientSettings(config.kafka().bootstrapServers()), timeout);
    }

    /** For tests: the control plane's admin settings (a super user's login). */
    public WorkerLogins(String securityProtocol, String topicPrefix, Map<String, Object> adminSettings,
                        Duration timeout) {
        this.securityProtocol = securityProtocol;
        this.topicPrefix = topicPrefix;
        this.adminSettings = Map.copyOf(adminSettings);
        this.timeout = timeout;
    }

    /**
     * Creates (or replaces) worker {@code workerId}'s login and its ACLs.
     *
     * @return the login, empty under PLAINTEXT
     * @throws IllegalStateException when the broker did not take it; nothing is left half-made
     *         that {@link #revoke} would not remove
     */
    public Optional<WorkerLogin> issue(String workerId) {
        if (KafkaIdentity.PLAINTEXT.equals(securityProtocol)) {
            return Optional.empty();
        }
        String username = KafkaPrincipals.provisionedWorker(workerId);
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        String password = HexFormat.of().formatHex(secret);
        try (Admin admin = admin()) {
            await(admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(username,
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, SCRAM_ITERATIONS), password))).all());
            await(admin.createAcls(WorkerAcls.of(topicPrefix, username)).all());
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not create the Kafka login of worker " + workerId + ": "
                    + e.getCause(), e);
        }
        LOG.infof("worker %s: Kafka login %s created (writes status, logs, heartbeats)", workerId, username);
        return Optional.of(new WorkerLogin(username, password));
    }

    /**
     * Deletes worker {@code workerId}'s ACLs and SCRAM user; a login that does not exist (never
     * issued, already revoked, PLAINTEXT) is fine.
     *
     * @throws IllegalStateException when the broker could not be told
     */
    public void revoke(String workerId) {
        if (KafkaIdentity.PLAINTEXT.equals(securityProtocol)) {
            return;
        }
        String username = KafkaPrincipals.provisionedWorker(workerId);
        try (Admin admin = admin()) {
            // The ACLs first: they stop an open connection at its next request.
            await(admin.deleteAcls(WorkerAcls.of(topicPrefix, username).stream().map(AclBinding::toFilter).toList())
                    .all());
            try {
                await(admin.alterUserScramCredentials(List.of(
                        new UserScramCredentialDeletion(username, ScramMechanism.SCRAM_SHA_512))).all());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof ResourceNotFoundException)) {
                    throw e;
                }
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not revoke the Kafka login of worker " + workerId + ": "
                    + e.getCause(), e);
        }
        LOG.infof("worker %s: Kafka login %s revoked", workerId, username);
    }

    private Admin admin() {
        Map<String, Object> settings = new HashMap<>(adminSettings);
        settings.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        settings.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        return Admin.create(settings);
    }

    private <T> T await(KafkaFuture<T> future) throws ExecutionException, TimeoutException {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while talking to Kafka", e);
        }
    }
}
