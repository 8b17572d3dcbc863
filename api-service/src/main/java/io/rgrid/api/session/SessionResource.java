package io.rgrid.api.session;

import io.rgrid.api.auth.AuthThrottle;
import io.rgrid.api.auth.Principal;
import io.rgrid.api.error.ApiException;
import io.rgrid.api.keys.KeyHasher;
import io.rgrid.model.api.ApiPaths;
import io.rgrid.model.api.ErrorCode;
import io.smallrye.common.annotation.Blocking;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * {@code /api/v1/session}: the dashboard's login (POST with the key in a JSON body, answered with
 * an HttpOnly, SameSite=Strict cookie and the CSRF token), who is logged in (GET), logout (DELETE).
 * Failed logins are limited per client address and per key ({@link AuthThrottle}): past the limit
 * the answer is 429 TOO_MANY_AUTH_FAILURES with {@code Retry-After}.
 */
@Path(ApiPaths.BASE + "/session")
@Blocking
@Produces(MediaType.APPLICATION_JSON)
public class SessionResource {

    /** The login body. */
    public record Login(String key) {
    }

    /**
     * Who the caller is. {@code csrfToken} (cookie sessions only) goes into the
     * {@code X-RGrid-CSRF} header of every POST/DELETE the page makes; {@code via} is
     * {@code session} or {@code bearer}.
     */
    public record SessionView(String project, boolean admin, Instant expiresAt, String csrfToken, String via) {
    }

    private final SessionService sessions;
    private final AuthThrottle throttle;
    private final KeyHasher hasher;

    public SessionResource(SessionService sessions, AuthThrottle throttle, KeyHasher hasher) {
        this.sessions = sessions;
        this.throttle = throttle;
        this.hasher = hasher;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response login(Login login, RoutingContext context) {
        if (login == null || login.key() == null || login.key().isBlank()) {
            throw new ApiException(ErrorCode.MALFORMED_REQUEST, "send the API key as {\"key\": \"...\"}");
        }
        String address = throttle.address(context);
        String key = login.key().strip();
        // A key longer than any real one is refused unread; hash a bounded part for the failure count.
        String keyHash = hasher.hash(key.length() > 1024 ? key.substring(0, 1024) : key);
        throttle.refusal(address, keyHash).ifPresent(refusal -> {
            throw refusal;
        });
        Optional<SessionService.Opened> found = key.length() > 1024 ? Optional.empty() : sessions.login(key);
        if (found.isEmpty()) {
            throttle.failed(address, keyHash);
            throw new ApiException(ErrorCode.UNAUTHENTICATED, "unknown or revoked API key");
        }
        throttle.succeeded(keyHash);
        SessionService.Opened opened = found.get();
        SessionService.Session s = opened.session();
        long maxAge = Math.max(0, Duration.between(Instant.now(), s.expiresAt()).toSeconds());
        return Response.status(Response.Status.CREATED)
                .header("Set-Cookie", cookie(opened.cookieValue(), maxAge, secure(context)))
                .header("Cache-Control", "no-store")
                .entity(new SessionView(s.principal().projectId(), s.principal().admin(), s.expiresAt(), s.csrfToken(), "session"))
                .build();
    }

    @GET
    public Response current(RoutingContext context) {
        Principal principal = Principal.of(context);
        Optional<SessionService.Session> session = SessionService.of(context);
        SessionView view = session
                .map(s -> new SessionView(principal.projectId(), principal.admin(), s.expiresAt(), s.csrfToken(), "session"))
                .orElseGet(() -> new SessionView(principal.projectId(), principal.admin(), null, null, "bearer"));
        return Response.ok(view).header("Cache-Control", "no-store").build();
    }

    /** Ends the cookie's session (a bearer caller has none: nothing to end) and clears the cookie. */
    @DELETE
    public Response logout(RoutingContext context) {
        SessionService.of(context).ifPresent(sessions::logout);
        return Response.noContent().header("Set-Cookie", cookie("", 0, secure(context))).build();
    }

    private static String cookie(String value, long maxAgeSeconds, boolean secure) {
        return SessionService.COOKIE + "=" + value + "; Path=" + SessionService.COOKIE_PATH + "; Max-Age=" + maxAgeSeconds
                + "; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "");
    }

    /** HTTPS as the browser sees it: directly, or through nginx ({@code X-Forwarded-Proto: https}). */
    private static boolean secure(RoutingContext context) {
        return context.request().isSSL() || "https".equalsIgnoreCase(context.request().getHeader("X-Forwarded-Proto"));
    }
}
