package io.rgrid.model.signing;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.UUID;

/**
 * How a Kafka record proves who sent it (docs/security.md, "What proves who sent a record"). The
 * producer puts two headers on the record: {@value #SIGNER_HEADER} (who signed: {@value #CONTROL_PLANE}
 * or {@code worker/<id>}) and {@value #SIGNATURE_HEADER}, the HMAC-SHA256 of the record's
 * {@linkplain #canonical canonical form} with the signer's key, in Base64. The keys:
 * <ul>
 *   <li>the control plane's (api-service and the orchestrator share it: {@code rgrid.reports.signing-key},
 *       env {@code RGRID_REPORT_SIGNING_KEY}), for everything their outboxes send;</li>
 *   <li>an attempt key, {@link #attemptKey HMAC(K, executionId|attempt|workerId)}, handed to the worker
 *       with the assignment, for that attempt's status reports and log chunks;</li>
 *   <li>the worker's token, for its heartbeats.</li>
 * </ul>
 * The signature covers the exact bytes sent (no JSON re-encoding, so fields a newer producer adds
 * are covered too), the record key and the signer. Which signer and key a record needs is
 * {@link SignerRule}'s decision.
 */
public final class RecordSignatures {

    public static final String SIGNER_HEADER = "rgrid-signer";
    public static final String SIGNATURE_HEADER = "rgrid-signature";
    /** The signer of everything api-service and the orchestrator publish. */
    public static final String CONTROL_PLANE = "control-plane";
    /** A worker signs as {@code worker/<its id>}. */
    public static final String WORKER_PREFIX = "worker/";
    /** The first part of every canonical form: a later version can change the form without ambiguity. */
    static final String VERSION = "rgrid-record-v1";

    private static final String HMAC = "HmacSHA256";

    private RecordSignatures() {
    }

    /** The signer name of a worker. */
    public static String worker(String workerId) {
        return WORKER_PREFIX + workerId;
    }

    /** The worker id in a signer name, or null when the signer is not a worker. */
    public static String workerOf(String signer) {
        return signer != null && signer.startsWith(WORKER_PREFIX) && signer.length() > WORKER_PREFIX.length()
                ? signer.substring(WORKER_PREFIX.length()) : null;
    }

    /**
     * The bytes a signature covers: {@code rgrid-record-v1|<n>:<signer>|<n>:<key>|} then the value,
     * each text prefixed by its UTF-8 length ({@code -1:} for a null key), so no two records share one form.
     */
    public static byte[] canonical(String signer, String key, byte[] value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + (value == null ? 0 : value.length));
        out.writeBytes((VERSION + "|").getBytes(StandardCharsets.UTF_8));
        field(out, signer);
        field(out, key);
        if (value != null) {
            out.writeBytes(value);
        }
        return out.toByteArray();
    }

    private static void field(ByteArrayOutputStream out, String text) {
        if (text == null) {
            out.writeBytes("-1:|".getBytes(StandardCharsets.UTF_8));
            return;
        }
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        out.writeBytes((bytes.length + ":").getBytes(StandardCharsets.UTF_8));
        out.writeBytes(bytes);
        out.writeBytes("|".getBytes(StandardCharsets.UTF_8));
    }

    /** The {@value #SIGNATURE_HEADER} value: Base64 of HMAC-SHA256(secret, canonical form). */
    public static String sign(byte[] secret, String signer, String key, byte[] value) {
        return Base64.getEncoder().encodeToString(hmac(secret, canonical(signer, key, value)));
    }

    /** Whether {@code signature} is the record's signature with {@code secret} (compared in constant time). */
    public static boolean verifies(byte[] secret, String signer, String key, byte[] value, String signature) {
        if (secret == null || secret.length == 0 || signature == null) {
            return false;
        }
        byte[] expected = sign(secret, signer, key, value).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, signature.getBytes(StandardCharsets.US_ASCII));
    }

    /** The attempt key: HMAC-SHA256(K, {@code executionId|attempt|workerId}). */
    public static byte[] attemptKey(byte[] controlPlaneKey, UUID executionId, int attempt, String workerId) {
        return hmac(controlPlaneKey, (executionId + "|" + attempt + "|" + workerId).getBytes(StandardCharsets.UTF_8));
    }

    /** HMAC-SHA256({@code secret}, {@code data}): the pad {@link SealedReportKeys} seals a key with. */
    static byte[] attemptKeyPad(byte[] secret, byte[] data) {
        return hmac(secret, data);
    }

    /** A key as it travels in an assignment ({@code Assignment.reportKey}): Base64. */
    public static String encodeKey(byte[] key) {
        return Base64.getEncoder().encodeToString(key);
    }

    /** @throws IllegalArgumentException when {@code encoded} is not Base64 */
    public static byte[] decodeKey(String encoded) {
        return Base64.getDecoder().decode(encoded);
    }

    /** A configured secret (the control plane's K, a worker's token) as key bytes: its UTF-8. */
    public static byte[] secretKey(String secret) {
        return secret.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] hmac(byte[] secret, byte[] data) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(secret, HMAC));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available", e);
        }
    }
}
