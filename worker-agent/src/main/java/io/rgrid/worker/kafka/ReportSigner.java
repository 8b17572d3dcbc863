package io.rgrid.worker.kafka;

import io.rgrid.model.signing.RecordSignatures;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.charset.StandardCharsets;

/**
 * Who signs a record the agent sends, and with which key (docs/security.md): an attempt's status
 * reports and log chunks with the attempt key its assignment carried, heartbeats with the worker's
 * token. The signer is always {@code worker/<this worker's id>}.
 */
public final class ReportSigner {

    private final String signer;
    private final byte[] key;

    private ReportSigner(String workerId, byte[] key) {
        this.signer = RecordSignatures.worker(workerId);
        this.key = key;
    }

    /** Signs one attempt's records with the assignment's {@code reportKey}. */
    public static ReportSigner attempt(String workerId, String reportKey) {
        return new ReportSigner(workerId, RecordSignatures.decodeKey(reportKey));
    }

    /** Signs this worker's heartbeats with its token. */
    public static ReportSigner token(String workerId, String token) {
        return new ReportSigner(workerId, RecordSignatures.secretKey(token));
    }

    /** Whether an assignment's {@code reportKey} is a usable key: Base64 of at least 32 bytes. */
    public static boolean validKey(String reportKey) {
        if (reportKey == null || reportKey.isBlank()) {
            return false;
        }
        try {
            return RecordSignatures.decodeKey(reportKey).length >= 32;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The signer and signature headers of a record with this key and value. */
    RecordHeaders headers(String recordKey, byte[] value) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(RecordSignatures.SIGNER_HEADER, signer.getBytes(StandardCharsets.UTF_8));
        headers.add(RecordSignatures.SIGNATURE_HEADER,
                RecordSignatures.sign(key, signer, recordKey, value).getBytes(StandardCharsets.UTF_8));
        return headers;
    }
}
