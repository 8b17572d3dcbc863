package io.rgrid.api.metrics;

import io.quarkus.runtime.StartupEvent;
import io.rgrid.api.config.RgridConfig;
import io.rgrid.api.error.Problems;
import io.rgrid.model.api.Auth;
import io.rgrid.model.api.EndpointAccess;
import io.rgrid.model.api.ErrorCode;
import io.rgrid.model.api.Problem;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import java.util.Optional;

/**
 * {@code /q/metrics} is closed by default ({@link EndpointAccess}): without
 * {@code RGRID_METRICS_TOKEN} it answers only loopback peers (a Prometheus on this host; nginx
 * does not forward {@code /q/metrics}), with it every scrape must send the token. Everything else
 * under {@code /q} (health, the OpenAPI document) is unchanged. A token that is too short or an
 * unexpanded {@code $(...)} stops the start.
 */
@Singleton
public class MetricsAccessFilter {

    static final String TOKEN_ENV = "RGRID_METRICS_TOKEN";
    private static final String METRICS = "/q/metrics";
    /** Before every other route (the dashboard's headers run at -1100, authentication at -900). */
    private static final int ORDER = -2000;

    private final Optional<String> token;

    public MetricsAccessFilter(RgridConfig config) {
        this.token = config.metrics().token();
    }

    void refuseAnUnusableToken(@Observes @Priority(1) StartupEvent event) {
        EndpointAccess.tokenProblem(TOKEN_ENV, token).ifPresent(problem -> {
            throw new IllegalStateException("invalid configuration: " + problem);
        });
    }

    void register(@Observes Router router) {
        router.route().order(ORDER).handler(context -> {
            String path = context.normalizedPath();
            if (!path.equals(METRICS) && !path.startsWith(METRICS + "/")) {
                context.next();
                return;
            }
            EndpointAccess.Decision decision = EndpointAccess.decide(context.request().remoteAddress().hostAddress(), token,
                    context.request().getHeader(Auth.HEADER));
            if (decision == EndpointAccess.Decision.ALLOW) {
                context.next();
                return;
            }
            Problem problem = Problem.of(ErrorCode.UNAUTHENTICATED, EndpointAccess.refusalDetail(decision, TOKEN_ENV));
            context.response()
                    .setStatusCode(problem.status())
                    .putHeader("Content-Type", Problem.MEDIA_TYPE)
                    .putHeader("WWW-Authenticate", Auth.SCHEME)
                    .end(Buffer.buffer(Problems.bytes(problem.withInstance(context.request().path()))));
        });
    }
}
