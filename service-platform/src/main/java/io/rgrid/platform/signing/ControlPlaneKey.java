package io.rgrid.platform.signing;

import io.quarkus.runtime.StartupEvent;
import io.rgrid.model.api.SecretStrength;
import io.rgrid.model.signing.RecordSignatures;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.UUID;

/**
 * K, {@code rgrid.reports.signing-key}, checked at start (a service without a usable key refuses to
 * start, naming the setting): signs what the control plane publishes and derives attempt keys.
 */
@ApplicationScoped
public class ControlPlaneKey {

    private final String configured;

    public ControlPlaneKey(SigningConfig config) {
        this.configured = config.signingKey().map(String::trim).orElse("");
    }

    void check(@Observes StartupEvent event) {
        key();
    }

    /** K's bytes. @throws IllegalStateException when the key is missing or weak */
    public byte[] key() {
        SecretStrength.judge(configured).ifPresent(weakness -> {
            throw new IllegalStateException("rgrid.reports.signing-key (env RGRID_REPORTS_SIGNING_KEY) is "
                    + weakness.name().toLowerCase() + ": api-service and the orchestrator need the same secret of at least "
                    + SecretStrength.MIN_LENGTH + " characters (openssl rand -hex 32) to sign and verify Kafka records");
        });
        return RecordSignatures.secretKey(configured);
    }

    /** The {@value RecordSignatures#SIGNATURE_HEADER} of a record the control plane publishes. */
    public String sign(String recordKey, byte[] value) {
        return RecordSignatures.sign(key(), RecordSignatures.CONTROL_PLANE, recordKey, value);
    }

    /** The key of one attempt on one worker, as the assignment carries it (Base64). */
    public String attemptKey(UUID executionId, int attempt, String workerId) {
        return RecordSignatures.encodeKey(RecordSignatures.attemptKey(key(), executionId, attempt, workerId));
    }
}
