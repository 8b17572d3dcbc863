package io.rgrid.model.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** Bearer authentication, shared by the public API and the agent API. */
public final class Auth {

    public static final String HEADER = "Authorization";
    public static final String SCHEME = "Bearer";

    private Auth() {
    }

    public static String header(String token) {
        return SCHEME + " " + token;
    }

    /** @return the token of an {@code Authorization: Bearer <token>} header, or null when absent or malformed */
    public static String bearerToken(String headerValue) {
        if (headerValue == null) {
            return null;
        }
        String value = headerValue.trim();
        if (value.length() <= SCHEME.length() + 1 || !value.regionMatches(true, 0, SCHEME + " ", 0, SCHEME.length() + 1)) {
            return null;
        }
        String token = value.substring(SCHEME.length() + 1).trim();
        return token.isEmpty() || token.contains(" ") ? null : token;
    }

    /** Compares secrets in time independent of where they differ. */
    public static boolean constantTimeEquals(String a, String b) {
        if (a == null || b == null) {
            return false;
        }
        return MessageDigest.isEqual(
                a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }
}
