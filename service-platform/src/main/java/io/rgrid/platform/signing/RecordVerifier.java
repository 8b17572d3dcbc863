package io.rgrid.platform.signing;

import io.rgrid.model.event.Envelope;
import io.rgrid.model.event.Event;
import io.rgrid.model.signing.RecordSignatures;
import io.rgrid.model.signing.SignerRule;
import io.rgrid.model.signing.SignerRule.Attempt;
import io.rgrid.model.signing.SignerRule.Refused;
import io.rgrid.model.signing.SignerRule.WorkerToken;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Checks that a consumed record was signed by whom {@link SignerRule} says, with the right key:
 * K for the control plane, the attempt key it derives from K for a worker's report or log chunk,
 * the worker's token ({@link WorkerTokens}) for a heartbeat. Used by the messaging layer's
 * {@code BatchConsumer} on every record before it is applied.
 */
@ApplicationScoped
public class RecordVerifier {

    private final ControlPlaneKey key;
    private final Instance<WorkerTokens> tokens;

    public RecordVerifier(ControlPlaneKey key, Instance<WorkerTokens> tokens) {
        this.key = key;
        this.tokens = tokens;
    }

    /**
     * Why the record must not be applied, or empty when it verifies. A heartbeat is accepted
     * unverified by a service without {@link WorkerTokens} (api-service's read model).
     *
     * @throws RuntimeException when a key cannot be looked up now (the database is down): the caller retries
     */
    public Optional<String> refusal(ConsumerRecord<String, byte[]> record, Envelope<Event> event) {
        String signer = header(record, RecordSignatures.SIGNER_HEADER);
        String signature = header(record, RecordSignatures.SIGNATURE_HEADER);
        SignerRule.Expectation expected = SignerRule.expect(event.payload(), signer);
        byte[] secret;
        if (expected instanceof Refused refused) {
            return Optional.of(refused.reason());
        } else if (expected instanceof Attempt a) {
            secret = RecordSignatures.attemptKey(key.key(), a.executionId(), a.attempt(), a.workerId());
        } else if (expected instanceof WorkerToken w) {
            if (!tokens.isResolvable()) {
                return Optional.empty();
            }
            Optional<String> token = tokens.get().token(w.workerId());
            if (token.isEmpty()) {
                return Optional.of("a heartbeat of unknown worker " + w.workerId());
            }
            secret = RecordSignatures.secretKey(token.get());
        } else {
            secret = key.key(); // ControlPlane
        }
        return RecordSignatures.verifies(secret, signer, record.key(), record.value(), signature)
                ? Optional.empty()
                : Optional.of((signature == null ? "no " + RecordSignatures.SIGNATURE_HEADER : "a wrong signature")
                        + " for signer " + signer);
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
