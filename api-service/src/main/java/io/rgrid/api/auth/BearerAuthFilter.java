package io.rgrid.api.auth;

import io.rgrid.api.error.Problems;
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

/**
 * Authenticates every {@code /api/v1} request before its body is read, so an unauthenticated
 * client cannot make the service spool a gigabyte upload to disk. Health, metrics and OpenAPI
 * endpoints stay open. The admin key is checked on the event loop; a project key needs a
 * database lookup, which runs on a worker thread while the request stays paused.
 */
@Singleton
public class BearerAuthFilter {

    /** Before the REST layer's route; after {@link io.rgrid.api.error.RequestLimitsFilter}. */
    public static final int ORDER = -900;
    private static final Logger LOG = Logger.getLogger(BearerAuthFilter.class);

    private final Authenticator authenticator;

    public BearerAuthFilter(Authenticator authenticator) {
        this.authenticator = authenticator;
    }

    void register(@Observes Router router) {
        router.route(ApiPaths.BASE + "/*").order(ORDER).handler(context -> {
            String header = context.request().getHeader(Auth.HEADER);
            String token = Auth.bearerToken(header);
            if (token == null) {
                refuse(context, header);
                return;
            }
            Optional<Principal> admin = authenticator.admin(token);
            if (admin.isPresent()) {
                context.put(Principal.CONTEXT_KEY, admin.get());
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
                            refuse(context, header);
                        } else {
                            context.put(Principal.CONTEXT_KEY, result.result().get());
                            context.next();
                        }
                    });
        });
    }

    private static void refuse(RoutingContext context, String header) {
        String detail = header == null
                ? "send the API key as 'Authorization: Bearer <key>'"
                : "the Authorization header is malformed or names an unknown or revoked key";
        end(context, 401, Problem.of(ErrorCode.UNAUTHENTICATED, detail));
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
