package io.rgrid.model.signing;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Attempt keys sealed for one worker each, for an assignment that several workers could receive
 * (Ray mode: Ray, not the orchestrator, picks the node, and the task's arguments travel through the
 * Ray cluster). Worker {@code w}'s entry is {@value #PREFIX} + Base64(key XOR
 * HMAC-SHA256(token of w, {@code rgrid-report-key-seal-v1|executionId|attempt|w})): only the holder
 * of that worker's token (the worker, the orchestrator) can open it, so a node that receives the
 * assignment holds the key of no other worker, and the Ray cluster none at all. Each pad is used
 * for one key only (the tuple names it), so the XOR reveals nothing. An unsealed entry (agent mode:
 * the assignment goes to its worker alone, over its token) opens as itself.
 */
public final class SealedReportKeys {

    /** What a sealed entry starts with. */
    public static final String PREFIX = "sealed:";

    private SealedReportKeys() {
    }

    /** {@code key} (Base64) sealed for worker {@code workerId}, whose token is {@code token}. */
    public static String seal(String key, String token, UUID executionId, int attempt, String workerId) {
        byte[] plain = RecordSignatures.decodeKey(key);
        return PREFIX + Base64.getEncoder().encodeToString(xor(plain, pad(token, executionId, attempt, workerId)));
    }

    /**
     * Worker {@code workerId}'s entry of {@code reportKeys} as its plain key (Base64): opened with its
     * token when sealed, as it is otherwise; null when it has none or the entry is malformed.
     */
    public static String open(Map<String, String> reportKeys, String token, UUID executionId, int attempt,
                              String workerId) {
        String entry = reportKeys.get(workerId);
        if (entry == null || !entry.startsWith(PREFIX)) {
            return entry;
        }
        try {
            byte[] sealed = Base64.getDecoder().decode(entry.substring(PREFIX.length()));
            return RecordSignatures.encodeKey(xor(sealed, pad(token, executionId, attempt, workerId)));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** {@code reportKeys} with worker {@code workerId}'s entry opened and every other worker's left out. */
    public static Map<String, String> own(Map<String, String> reportKeys, String token, UUID executionId, int attempt,
                                          String workerId) {
        Map<String, String> own = new LinkedHashMap<>();
        String key = open(reportKeys, token, executionId, attempt, workerId);
        if (key != null) {
            own.put(workerId, key);
        }
        return own;
    }

    private static byte[] pad(String token, UUID executionId, int attempt, String workerId) {
        byte[] data = ("rgrid-report-key-seal-v1|" + executionId + "|" + attempt + "|" + workerId)
                .getBytes(StandardCharsets.UTF_8);
        // The attempt key is an HMAC-SHA256 too: 32 bytes, as long as the pad.
        return RecordSignatures.attemptKeyPad(RecordSignatures.secretKey(token), data);
    }

    private static byte[] xor(byte[] value, byte[] pad) {
        if (value.length != pad.length) {
            throw new IllegalArgumentException("a sealed key has " + value.length + " bytes, not " + pad.length);
        }
        byte[] out = new byte[value.length];
        for (int i = 0; i < value.length; i++) {
            out[i] = (byte) (value[i] ^ pad[i]);
        }
        return out;
    }
}
