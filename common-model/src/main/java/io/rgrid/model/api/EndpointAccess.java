package io.rgrid.model.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.rgrid.model.Json;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Who may call an endpoint that is closed by default: the orchestrator's API and both services'
 * {@code /q/metrics}. Without a configured token only a peer on this host's loopback is answered;
 * with one, every peer (loopback too) must send it as {@code Authorization: Bearer <token>}, so a
 * token is never optional once an operator has set it. Pure: the services' route filters apply it.
 */
public final class EndpointAccess {

    /** The shortest token accepted ({@link SecretStrength#MIN_LENGTH}). */
    public static final int MIN_TOKEN_LENGTH = SecretStrength.MIN_LENGTH;

    /** What a request gets. */
    public enum Decision {
        ALLOW,
        /** A token is configured and the request has no bearer token. */
        MISSING_TOKEN,
        /** A token is configured and the request's bearer token is another. */
        WRONG_TOKEN,
        /** No token is configured and the peer is not on loopback. */
        NOT_LOOPBACK
    }

    private EndpointAccess() {
    }

    /**
     * @param peerAddress         the TCP peer's address as Vert.x reports it ({@code 127.0.0.1}, {@code 0:0:0:0:0:0:0:1}, …)
     * @param token               the configured token, empty when none
     * @param authorizationHeader the request's {@code Authorization} header, or null
     */
    public static Decision decide(String peerAddress, Optional<String> token, String authorizationHeader) {
        if (token.isEmpty()) {
            return isLoopbackAddress(peerAddress) ? Decision.ALLOW : Decision.NOT_LOOPBACK;
        }
        String presented = Auth.bearerToken(authorizationHeader);
        if (presented == null) {
            return Decision.MISSING_TOKEN;
        }
        return Auth.constantTimeEquals(presented, token.get()) ? Decision.ALLOW : Decision.WRONG_TOKEN;
    }

    /**
     * A refused request's answer: status 401, {@link #HEADERS}, and the problem serialised as the
     * body (so both services' route filters write the same bytes).
     */
    public record Refusal(Problem problem, byte[] body) {

        public static final Map<String, String> HEADERS = Map.of("Content-Type", Problem.MEDIA_TYPE,
                "WWW-Authenticate", Auth.SCHEME);
    }

    /**
     * The answer a request gets (its problem's {@code instance} = {@code path}), or empty when it
     * may pass: {@link #decide} with {@link #refusalDetail}.
     */
    public static Optional<Refusal> refusal(String peerAddress, Optional<String> token, String authorizationHeader,
                                            String tokenEnv, String path) {
        Decision decision = decide(peerAddress, token, authorizationHeader);
        if (decision == Decision.ALLOW) {
            return Optional.empty();
        }
        Problem problem = Problem.of(ErrorCode.UNAUTHENTICATED, refusalDetail(decision, tokenEnv)).withInstance(path);
        try {
            return Optional.of(new Refusal(problem, Json.mapper().writeValueAsBytes(problem)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a problem of strings always serialises", e);
        }
    }

    /** The problem+json detail of a refusal, naming the setting an operator would change. */
    public static String refusalDetail(Decision decision, String tokenEnv) {
        return switch (decision) {
            case MISSING_TOKEN -> "send the token (" + tokenEnv + ") as 'Authorization: Bearer <token>'";
            case WRONG_TOKEN -> "the bearer token is not " + tokenEnv;
            case NOT_LOOPBACK -> "this endpoint answers only on this host's loopback interface unless "
                    + tokenEnv + " is set; then send it as 'Authorization: Bearer <token>'";
            case ALLOW -> throw new IllegalArgumentException("ALLOW is not a refusal");
        };
    }

    /** Whether a peer address is on loopback (127.0.0.0/8, ::1, or IPv4-mapped 127.x). */
    public static boolean isLoopbackAddress(String address) {
        if (address == null) {
            return false;
        }
        String a = address.toLowerCase(Locale.ROOT);
        if (a.startsWith("[") && a.endsWith("]")) {
            a = a.substring(1, a.length() - 1);
        }
        if (a.startsWith("::ffff:")) {
            a = a.substring("::ffff:".length());
        } else if (a.startsWith("0:0:0:0:0:ffff:")) {
            a = a.substring("0:0:0:0:0:ffff:".length());
        }
        return a.equals("::1") || a.equals("0:0:0:0:0:0:0:1") || a.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
    }

    /** Whether a server bound to {@code host} (quarkus.http.host) is reachable only from this host. */
    public static boolean isLoopbackHost(String host) {
        return host != null && (host.trim().equalsIgnoreCase("localhost") || isLoopbackAddress(host.trim()));
    }

    /**
     * Why a service bound to {@code host} cannot start with {@code token}, or empty when it can: a
     * token that {@link #tokenProblem} refuses, or no token while the bind address reaches beyond
     * this host.
     */
    public static Optional<String> exposureProblem(String hostEnv, String host, String tokenEnv, Optional<String> token) {
        Optional<String> tokenProblem = tokenProblem(tokenEnv, token);
        if (tokenProblem.isPresent() || token.isPresent() || isLoopbackHost(host)) {
            return tokenProblem;
        }
        return Optional.of(hostEnv + "=" + host + " exposes this API beyond this host, where it needs a token: set "
                + tokenEnv + " (`openssl rand -hex 32`, at least " + MIN_TOKEN_LENGTH + " characters) or bind to 127.0.0.1");
    }

    /**
     * Why a configured token cannot be used, or empty when it can (or none is set): shorter than
     * {@link #MIN_TOKEN_LENGTH}, or an unexpanded {@code $(openssl rand -hex 32)} copied from a
     * guide into a file that no shell reads.
     */
    public static Optional<String> tokenProblem(String tokenEnv, Optional<String> token) {
        if (token.isEmpty()) {
            return Optional.empty();
        }
        String value = token.get();
        return SecretStrength.judge(value).map(weakness -> switch (weakness) {
            case UNEXPANDED -> tokenEnv + " is the unexpanded text '" + value + "': an env file does not run $(...); "
                    + "write the output of `openssl rand -hex 32` instead";
            case MISSING, SHORT -> tokenEnv + " must be at least " + MIN_TOKEN_LENGTH + " characters (it has "
                    + value.length() + "); generate one with `openssl rand -hex 32`";
        });
    }
}
