package io.rgrid.api.keys;

import io.rgrid.api.auth.Principal;
import io.rgrid.platform.db.Transactions;
import io.rgrid.api.error.ApiException;
import io.rgrid.model.Ids;
import io.rgrid.model.api.ErrorCode;
import io.rgrid.model.api.Problem.FieldError;
import jakarta.inject.Singleton;

import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Creates, lists and revokes project keys, and resolves a presented key to its project.
 *
 * <p>A key is 32 random bytes (256 bits); it is stored as an HMAC keyed with the server secret
 * ({@link KeyHasher}), without a per-row salt, so that a presented key is looked up by an index in
 * one query per request.
 */
@Singleton
public class ApiKeyService {

    /** Every project key starts with this, so a leaked key is recognisable in logs and scanners. */
    public static final String KEY_PREFIX = "rgk_";
    /** Project ids: what a label value or a bucket path segment can carry without escaping. */
    static final Pattern PROJECT_ID = Pattern.compile("[a-z0-9]([a-z0-9_-]{0,61}[a-z0-9])?");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Transactions tx;
    private final ApiKeyRepository keys;
    private final KeyHasher hasher;

    public ApiKeyService(Transactions tx, ApiKeyRepository keys, KeyHasher hasher) {
        this.tx = tx;
        this.keys = keys;
        this.hasher = hasher;
    }

    /** A new key and its plaintext secret, which is never stored and never shown again. */
    public record CreatedKey(ApiKeyRepository.KeyRow row, String secret) {
    }

    public CreatedKey create(Principal caller, String projectId, String name) {
        requireAdmin(caller);
        List<FieldError> errors = new ArrayList<>();
        if (projectId == null || !PROJECT_ID.matcher(projectId).matches()) {
            errors.add(new FieldError("project", "1-63 lowercase letters, digits, '-' and '_', starting and ending with a letter or digit"));
        }
        String keyName = name == null ? "" : name.strip();
        if (keyName.length() > 200 || keyName.chars().anyMatch(ch -> ch < 0x20 || ch == 0x7f)) {
            errors.add(new FieldError("name", "up to 200 printable characters"));
        }
        if (!errors.isEmpty()) {
            throw new ApiException(ErrorCode.INVALID_SPEC, "invalid key request: " + errors.getFirst().field() + " "
                    + errors.getFirst().message(), errors);
        }
        byte[] random = new byte[32];
        RANDOM.nextBytes(random);
        String secret = KEY_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        ApiKeyRepository.KeyRow row = new ApiKeyRepository.KeyRow(Ids.newExecutionId(), projectId, keyName,
                Instant.now().truncatedTo(ChronoUnit.MICROS), null);
        tx.inTransaction(c -> {
            keys.insert(c, row, hasher.hash(secret));
            return null;
        });
        return new CreatedKey(row, secret);
    }

    public List<ApiKeyRepository.KeyRow> list(Principal caller, boolean includeRevoked) {
        requireAdmin(caller);
        return tx.read(c -> keys.list(c, includeRevoked));
    }

    public ApiKeyRepository.KeyRow revoke(Principal caller, String rawId) {
        requireAdmin(caller);
        UUID id = Ids.parseExecutionId(rawId);
        if (id == null) {
            throw ApiException.notFound("no key " + rawId);
        }
        return tx.inTransaction(c -> keys.revoke(c, id, Instant.now().truncatedTo(ChronoUnit.MICROS)))
                .orElseThrow(() -> ApiException.notFound("no key " + id));
    }

    /** The project of an active key; a database failure propagates (the caller answers 503, not 401). */
    public Optional<String> projectOf(String secret) {
        if (!secret.startsWith(KEY_PREFIX)) {
            return Optional.empty();
        }
        String h = hasher.hash(secret);
        return tx.read(c -> keys.findActiveByHash(c, h)).map(ApiKeyRepository.KeyRow::projectId);
    }

    private static void requireAdmin(Principal caller) {
        if (!caller.admin()) {
            throw new ApiException(ErrorCode.FORBIDDEN, "only the admin key (API_SECRET_KEY) manages API keys");
        }
    }
}
