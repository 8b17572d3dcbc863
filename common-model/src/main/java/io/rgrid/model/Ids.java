package io.rgrid.model;

import java.security.SecureRandom;
import java.util.UUID;
import java.util.regex.Pattern;

/** Identity rules: UUIDv7 execution ids and {@code rgrid-worker-xxxxxx} worker ids. */
public final class Ids {

    public static final String WORKER_ID_PREFIX = "rgrid-worker-";
    private static final Pattern WORKER_ID = Pattern.compile("rgrid-worker-[a-z0-9]{6}");
    private static final char[] ALPHANUMERIC = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private Ids() {
    }

    /** A version 7 UUID (RFC 9562): 48 bits of Unix milliseconds, then random bits, so ids sort by time. */
    public static UUID newExecutionId() {
        return uuidV7(System.currentTimeMillis());
    }

    static UUID uuidV7(long epochMillis) {
        byte[] random = new byte[10];
        RANDOM.nextBytes(random);
        long msb = (epochMillis & 0xFFFF_FFFF_FFFFL) << 16;
        msb |= 0x7000L; // version 7
        msb |= ((random[0] & 0x0FL) << 8) | (random[1] & 0xFFL); // rand_a: 12 bits
        long lsb = 0;
        for (int i = 2; i < 10; i++) {
            lsb = (lsb << 8) | (random[i] & 0xFFL);
        }
        lsb = (lsb & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L; // variant 10
        return new UUID(msb, lsb);
    }

    public static String newWorkerId() {
        StringBuilder id = new StringBuilder(WORKER_ID_PREFIX);
        for (int i = 0; i < 6; i++) {
            id.append(ALPHANUMERIC[RANDOM.nextInt(ALPHANUMERIC.length)]);
        }
        return id.toString();
    }

    public static boolean isWorkerId(String candidate) {
        return candidate != null && WORKER_ID.matcher(candidate).matches();
    }

    /** Parses an execution id, or returns null when {@code text} is not a UUID. */
    public static UUID parseExecutionId(String text) {
        if (text == null || text.length() != 36) {
            return null;
        }
        try {
            return UUID.fromString(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
