package io.rgrid.orchestrator.access;

import io.quarkus.runtime.StartupEvent;
import io.rgrid.model.api.Auth;
import io.rgrid.model.api.EndpointAccess;
import io.rgrid.orchestrator.config.RgridConfig;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.Optional;

/**
 * Closes the orchestrator's HTTP API by default ({@link EndpointAccess}): without
 * {@code ORCHESTRATOR_API_TOKEN} only loopback peers are answered, and the service refuses to start
 * when {@code ORCHESTRATOR_HOST} binds it anywhere else; with the token, every request needs it.
 * {@code /q/health} stays open for systemd, the deploy checks and the local grid; everything else
 * ({@code /v1/*}, {@code /q/metrics}, any route added later) answers 401 problem+json.
 */
@Singleton
public class ApiAccessFilter {

    static final String HOST_ENV = "ORCHESTRATOR_HOST";
    static final String TOKEN_ENV = "ORCHESTRATOR_API_TOKEN";
    /** Before every other route, so no handler ever sees a refused request. */
    private static final int ORDER = -2000;
    private static final String HEALTH = "/q/health";

    private final Optional<String> token;
    private final String host;

    public ApiAccessFilter(RgridConfig config, @ConfigProperty(name = "quarkus.http.host") String host) {
        this.token = config.orchestrator().apiToken();
        this.host = host;
    }

    void refuseToStartExposed(@Observes @Priority(1) StartupEvent event) {
        EndpointAccess.exposureProblem(HOST_ENV, host, TOKEN_ENV, token).ifPresent(problem -> {
            throw new IllegalStateException("the orchestrator API is closed by default: " + problem);
        });
    }

    void register(@Observes Router router) {
        router.route().order(ORDER).handler(context -> {
            String path = context.normalizedPath();
            if (path.equals(HEALTH) || path.startsWith(HEALTH + "/")) {
                context.next();
                return;
            }
            EndpointAccess.refusal(context.request().remoteAddress().hostAddress(), token,
                    context.request().getHeader(Auth.HEADER), TOKEN_ENV, context.request().path()).ifPresentOrElse(refusal -> {
                        EndpointAccess.Refusal.HEADERS.forEach(context.response()::putHeader);
                        context.response().setStatusCode(refusal.problem().status()).end(Buffer.buffer(refusal.body()));
                    }, context::next);
        });
    }
}
