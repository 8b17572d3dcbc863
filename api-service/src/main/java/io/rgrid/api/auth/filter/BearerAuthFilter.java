package io.rgrid.api.auth.filter;

import io.rgrid.api.auth.AuthThrottle;
import io.rgrid.api.auth.Principal;
import io.rgrid.api.error.ApiException;
import io.rgrid.api.error.Problems;
import io.rgrid.api.keys.Authenticator;
import io.rgrid.api.keys.KeyHasher;
import io.rgrid.api.session.SessionService;
import io.rgrid.model.api.ApiPaths;
import io.rgrid.model.api.Auth;
import io.rgrid.model.api.ErrorCode;
import io.rgrid.model.api.Problem;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.util.Optional;
import java.util.Set;

/**
 * Authenticates every {@code /api/v1} request before its body is read, so an unauthenticated
 * client cannot make the service spool a gigabyte upload to disk. Health, metrics and OpenAPI
 * endpoints stay open. The admin key is checked on the event loop; a project key needs a
 * database lookup, which runs on a worker thread while the request stays paused.
 *
 * <p>Without an Authorization header, the dashboard's session cookie ({@link SessionService})
 * authenticates instead; then every method but GET/HEAD/OPTIONS must also carry the session's
 * CSRF token in {@link SessionService#CSRF_HEADER} (403 FORBIDDEN otherwise). The login itself,
 * {@code POST /api/v1/session}, is the one open {@code /api/v1} call.
 *
 * <p>Failed bearer authentication is limited per client address and per key ({@link AuthThrottle}):
 * past the limit the answer is 429 TOO_MANY_AUTH_FAILURES with {@code Retry-After}.
 */
@Singleton
public class BearerAuthFilter {

    /** Before the REST layer's route; after {@link io.rgrid.api.error.RequestLimitsFilter}. */
    public static final int ORDER = -900;
    private static final Logger LOG = Logger.getLogger(BearerAuthFilter.class);

    private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS");
    private static final String LOGIN_PATH = ApiPaths.BASE + "/session";

    private final Authenticator authenticator;
    private final SessionService sessions;
    private final AuthThrottle throttle;
    private final KeyHasher hasher;

    public BearerAuthFilter(Authenticator authenticator, SessionService sessions, AuthThrottle throttle, KeyHasher hasher) {
        this.authenticator = authenticator;
        this.sessions = sessions;
        this.throttle = throttle;
        this.hasher = hasher;
    }

    void register(@Observes Router router) {
        router.route(ApiPaths.BASE + "/*").order(ORDER).handler(context -> {
            String header = context.request().getHeader(Auth.HEADER);
            if (header == null && "POST".equals(context.request().method().name()) && LOGIN_PATH.equals(context.request().path())) {
                context.next(); // the login: the key is in the body
                return;
            }
            var cookie = header == null ? context.request().getCookie(SessionService.COOKIE) : null;
            if (cookie != null) {
                bySession(context, cookie.getValue());
                return;
            }
            String token = Auth.bearerToken(header);
            if (token == null) {
                refuse(context, header);
                return;
            }
            byBearer(context, token);
        });
    }

    /**
     * The admin key on the event loop, a project key on a worker thread; a failure counts against the
     * client address and the key ({@link AuthThrottle}), and one that has failed too often is refused
     * with 429 before it is looked at.
     */
    private void byBearer(RoutingContext context, String token) {
        String address = throttle.address(context);
        String keyHash = hasher.hash(token);
        Optional<ApiException> refusal = throttle.refusal(address, keyHash);
        if (refusal.isPresent()) {
            end(context, refusal.get());
            return;
        }
        Optional<Principal> admin = authenticator.admin(token);
        if (admin.isPresent()) {
            throttle.succeeded(keyHash);
            admin.get().attachTo(context);
            context.next();
            return;
        }
        // Keep the body where it is until we know who sends it.
        context.request().pause();
        context.vertx().<Optional<Principal>>executeBlocking(() -> authenticator.project(token), false)
                .onComplete(result -> {
                    if (result.failed()) {
                        LOG.warnf("API key lookup failed: %s", result.cause().getMessage());
                        end(context, 503, Problem.of(ErrorCode.DEPENDENCY_UNAVAILABLE,
                                "the database is unavailable; the API key could not be checked"));
                    } else if (result.result().isEmpty()) {
                        throttle.failed(address, keyHash);
                        refuse(context, context.request().getHeader(Auth.HEADER));
                    } else {
                        throttle.succeeded(keyHash);
                        result.result().get().attachTo(context);
                        context.next();
                    }
                });
    }

    private void bySession(RoutingContext context, String cookieValue) {
        context.request().pause();
        context.vertx().<Optional<SessionService.Session>>executeBlocking(() -> sessions.find(cookieValue), false)
                .onComplete(result -> {
                    if (result.failed()) {
                        LOG.warnf("session lookup failed: %s", result.cause().getMessage());
                        end(context, 503, Problem.of(ErrorCode.DEPENDENCY_UNAVAILABLE,
                                "the database is unavailable; the session could not be checked"));
                    } else if (result.result().isEmpty()) {
                        end(context, 401, Problem.of(ErrorCode.UNAUTHENTICATED,
                                "the session has ended (logged out, expired, or its key was revoked); log in again"));
                    } else {
                        SessionService.Session session = result.result().get();
                        if (!SAFE_METHODS.contains(context.request().method().name())
                                && !SessionService.csrfMatches(session, context.request().getHeader(SessionService.CSRF_HEADER))) {
                            end(context, 403, Problem.of(ErrorCode.FORBIDDEN, "a request authenticated by the session cookie "
                                    + "must carry the session's CSRF token in the " + SessionService.CSRF_HEADER + " header"));
                            return;
                        }
                        session.principal().attachTo(context);
                        context.put(SessionService.CONTEXT_KEY, session);
                        context.next();
                    }
                });
    }

    private static void refuse(RoutingContext context, String header) {
        String detail = header == null
                ? "send the API key as 'Authorization: Bearer <key>'"
                : "the Authorization header is malformed or names an unknown or revoked key";
        end(context, 401, Problem.of(ErrorCode.UNAUTHENTICATED, detail));
    }

    private static void end(RoutingContext context, ApiException refusal) {
        context.response().putHeader("Retry-After", Long.toString(refusal.retryAfterSeconds()));
        end(context, refusal.code().status(), refusal.toProblem());
    }

    private static void end(RoutingContext context, int status, Problem problem) {
        var response = context.response()
                .setStatusCode(status)
                .putHeader("Content-Type", Problem.MEDIA_TYPE);
        if (status == 401) {
            response.putHeader("WWW-Authenticate", Auth.SCHEME);
        }
        response.end(Buffer.buffer(Problems.bytes(problem.withInstance(context.request().path()))));
    }
}
