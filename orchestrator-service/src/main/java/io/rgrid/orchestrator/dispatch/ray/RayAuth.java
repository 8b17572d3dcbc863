package io.rgrid.orchestrator.dispatch.ray;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Ray's token authentication (Ray 2.52 and later) as the driver in this JVM will see it. Ray's
 * native core worker reads it from the process environment, not from RGrid's configuration:
 * {@code RAY_AUTH_MODE=token} turns it on, and the token is {@code RAY_AUTH_TOKEN}, else the file
 * named by {@code RAY_AUTH_TOKEN_PATH}, else {@code ~/.ray/auth_token} (docs/ray.md, "Token
 * authentication"). Checked before {@code Ray.init()}, which with no token fails in native code.
 */
public final class RayAuth {

    public static final String MODE = "RAY_AUTH_MODE";
    public static final String TOKEN = "RAY_AUTH_TOKEN";
    public static final String TOKEN_PATH = "RAY_AUTH_TOKEN_PATH";

    private RayAuth() {
    }

    /** Token authentication is on in this environment. */
    public static boolean enabled(Map<String, String> env) {
        return "token".equals(env.getOrDefault(MODE, "").strip());
    }

    /**
     * Why a driver with this environment could not authenticate, or empty when it can (or token
     * authentication is off).
     *
     * @param env    the process environment
     * @param home   the user's home ({@code ~/.ray/auth_token})
     * @param reader a file's contents, empty when it cannot be read
     */
    public static Optional<String> problem(Map<String, String> env, Path home, Function<Path, Optional<String>> reader) {
        if (!enabled(env) || token(env, home, reader).isPresent()) {
            return Optional.empty();
        }
        String named = env.getOrDefault(TOKEN_PATH, "");
        return Optional.of(named.isBlank()
                ? MODE + "=token but there is no token: set " + TOKEN + " (the head's, from /opt/rgrid/.env) or "
                + TOKEN_PATH + ", or write " + home.resolve(".ray/auth_token")
                : MODE + "=token but " + TOKEN_PATH + "=" + named
                + " is missing, unreadable or empty: put the head's token there (RAY_AUTH_TOKEN in /opt/rgrid/.env)");
    }

    /**
     * What a Ray worker node needs in its environment to join a head like the one this
     * environment's driver talks to: {@code RAY_AUTH_MODE=token} and the token itself (nodes get the
     * value, not a path), or nothing when token authentication is off or no token is found.
     */
    public static Map<String, String> nodeEnv(Map<String, String> env, Path home, Function<Path, Optional<String>> reader) {
        if (!enabled(env)) {
            return Map.of();
        }
        return token(env, home, reader).map(t -> Map.of(MODE, "token", TOKEN, t)).orElse(Map.of());
    }

    /** {@link #nodeEnv} for this process. */
    public static Map<String, String> nodeEnvHere() {
        return nodeEnv(System.getenv(), home(), RayAuth::read);
    }

    /** The token in Ray's order: {@code RAY_AUTH_TOKEN}, else the file {@code RAY_AUTH_TOKEN_PATH} names, else the default file. */
    private static Optional<String> token(Map<String, String> env, Path home, Function<Path, Optional<String>> reader) {
        String value = env.getOrDefault(TOKEN, "");
        if (!value.isBlank()) {
            return Optional.of(value.strip());
        }
        String named = env.getOrDefault(TOKEN_PATH, "");
        return reader.apply(named.isBlank() ? home.resolve(".ray/auth_token") : Path.of(named))
                .map(String::strip).filter(t -> !t.isEmpty());
    }

    /** {@link #problem} for this process. */
    public static Optional<String> problemHere() {
        return problem(System.getenv(), home(), RayAuth::read);
    }

    private static Path home() {
        return Path.of(System.getProperty("user.home", "/nonexistent"));
    }

    private static Optional<String> read(Path file) {
        try {
            return Optional.of(Files.readString(file));
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
    }
}
