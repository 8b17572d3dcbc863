package io.rgrid.api.keys;

import io.rgrid.api.config.RgridConfig;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * The hashes project keys, the admin key and session cookies are stored and looked up by:
 * HMAC-SHA256, keyed with the server secret {@code rgrid.api.hash-secret}, of the hex SHA-256 of
 * the key. Without the secret a copy of the database does not let anyone test guesses. Hashing
 * the SHA-256 rather than the key itself lets rows written before the HMAC (version 1: the
 * SHA-256 alone) be converted in place ({@link HashMigration}), so no key has to be re-issued.
 */
@Singleton
public class KeyHasher {

    /** {@code hash_version} of rows holding the plain SHA-256 (before issue 22). */
    public static final int SHA256 = 1;
    /** {@code hash_version} of rows holding {@link #hash}. */
    public static final int HMAC = 2;
    private static final String ALGORITHM = "HmacSHA256";

    private final SecretKeySpec secret;

    @Inject
    public KeyHasher(RgridConfig config) {
        this(config.api().hashSecret().orElse(""));
    }

    /**
     * For tests and tools. An empty secret is accepted here and refused by {@link #hash}: the
     * service's {@code SecretKeyCheck} refuses to start without one, with the message that says
     * how to set it, and this bean is built before that check runs.
     */
    public KeyHasher(String secret) {
        this.secret = secret.isEmpty() ? null : new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), ALGORITHM);
    }

    /** The stored form of a key or cookie value: HMAC(secret, sha256hex(value)), hex. */
    public String hash(String value) {
        return rehash(sha256(value));
    }

    /** The stored form of a version-1 row's hash (the hex SHA-256 of the key). */
    public String rehash(String sha256Hex) {
        if (secret == null) {
            throw new IllegalStateException("rgrid.api.hash-secret (API_HASH_SECRET) is not set");
        }
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(secret);
            return HexFormat.of().formatHex(mac.doFinal(sha256Hex.getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }

    /** The hex SHA-256 of a value: what version-1 rows stored. */
    public static String sha256(String value) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
