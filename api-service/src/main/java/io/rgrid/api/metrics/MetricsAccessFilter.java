package io.rgrid.api.metrics;

import io.quarkus.runtime.StartupEvent;
import io.rgrid.api.config.RgridConfig;
import io.rgrid.model.api.Auth;
import io.rgrid.model.api.EndpointAccess;
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
        // A path route matches the normalised path: /q/metrics and below, also as /q/./metrics.
        router.route(METRICS + "*").order(ORDER).handler(context -> EndpointAccess.refusal(
                context.request().remoteAddress().hostAddress(), token, context.request().getHeader(Auth.HEADER), TOKEN_ENV,
                context.request().path()).ifPresentOrElse(refusal -> {
                    EndpointAccess.Refusal.HEADERS.forEach(context.response()::putHeader);
                    context.response().setStatusCode(refusal.problem().status()).end(Buffer.buffer(refusal.body()));
                }, context::next));
    }
}
