package io.rgrid.model.api;

import java.util.Optional;

/**
 * The one rule for every shared secret RGrid is configured with (the admin key, the hash secret,
 * the orchestrator and metrics tokens): at least {@value #MIN_LENGTH} characters, and not the
 * unexpanded text of a {@code $(...)} command. Guides write {@code $(openssl rand -hex 32)}; pasted
 * into an env file, which no shell reads, it becomes a 23-character "secret" anybody can guess.
 * Each caller words its own message, since each knows which setting and file the user must fix.
 */
public final class SecretStrength {

    /** The shortest secret accepted: {@code openssl rand -hex 32} gives 64 characters. */
    public static final int MIN_LENGTH = 32;

    public enum Weakness {
        /** Empty or only blanks. */
        MISSING,
        /** Holds {@code $(}: a command substitution that nothing ran. */
        UNEXPANDED,
        /** Shorter than {@link #MIN_LENGTH}. */
        SHORT
    }

    private SecretStrength() {
    }

    /** What is wrong with the value, or empty when it can be used. */
    public static Optional<Weakness> judge(String value) {
        if (value == null || value.isBlank()) {
            return Optional.of(Weakness.MISSING);
        }
        if (value.contains("$(")) {
            return Optional.of(Weakness.UNEXPANDED);
        }
        if (value.length() < MIN_LENGTH) {
            return Optional.of(Weakness.SHORT);
        }
        return Optional.empty();
    }
}
