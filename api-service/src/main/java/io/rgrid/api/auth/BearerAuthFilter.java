package io.rgrid.api.auth;

import io.rgrid.api.error.Problems;
import io.rgrid.model.api.ApiPaths;
import io.rgrid.model.api.Auth;
import io.rgrid.model.api.ErrorCode;
import io.rgrid.model.api.Problem;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import java.util.Optional;

/**
 * Authenticates every {@code /api/v1} request before its body is read, so an unauthenticated
 * client cannot make the service spool a gigabyte upload to disk. Health endpoints stay open.
 */
@Singleton
public class BearerAuthFilter {

    /** Before the REST layer's route; after {@link io.rgrid.api.error.RequestLimitsFilter}. */
    public static final int ORDER = -900;

    private final Authenticator authenticator;

    public BearerAuthFilter(Authenticator authenticator) {
        this.authenticator = authenticator;
    }

    void register(@Observes Router router) {
        router.route(ApiPaths.BASE + "/*").order(ORDER).handler(context -> {
            Optional<Principal> principal = authenticator.authenticate(context.request().getHeader(Auth.HEADER));
            if (principal.isPresent()) {
                context.put(Principal.CONTEXT_KEY, principal.get());
                context.next();
                return;
            }
            String detail = context.request().getHeader(Auth.HEADER) == null
                    ? "send the API key as 'Authorization: Bearer <key>'"
                    : "the Authorization header is malformed or names an unknown key";
            Problem problem = Problem.of(ErrorCode.UNAUTHENTICATED, detail).withInstance(context.request().path());
            context.response()
                    .setStatusCode(401)
                    .putHeader("Content-Type", Problem.MEDIA_TYPE)
                    .putHeader("WWW-Authenticate", Auth.SCHEME)
                    .end(Buffer.buffer(Problems.bytes(problem)));
        });
    }
}
