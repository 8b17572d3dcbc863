package io.rgrid.api.reconcile;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.rgrid.api.config.RgridConfig;
import io.rgrid.model.Json;
import io.rgrid.model.api.KnownExecutions;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.UUID;

/**
 * The orchestrator's {@code POST /v1/executions/known} ({@link KnownExecutions}), with its bearer
 * token when one is set. Any failure (unreachable, slow, an answer other than 200) is an
 * {@link IOException}: the round then repairs nothing.
 */
@Singleton
class OrchestratorExecutions {

    private static final ObjectMapper JSON = Json.configure(new ObjectMapper());

    private final URI uri;
    private final Duration timeout;
    private final String token;
    private final HttpClient http;

    OrchestratorExecutions(RgridConfig config) {
        RgridConfig.Reconcile reconcile = config.api().reconcile();
        this.uri = URI.create(reconcile.orchestratorUrl().replaceAll("/+$", "") + KnownExecutions.PATH);
        this.timeout = reconcile.timeout();
        this.token = reconcile.orchestratorToken().filter(t -> !t.isBlank()).orElse(null);
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout).build();
    }

    /** The current attempt of each of {@code ids} the orchestrator knows, and how those that ended there ended. */
    KnownExecutions.Answer known(Collection<UUID> ids) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(
                        new KnownExecutions.Request(List.copyOf(ids)))));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<byte[]> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while asking the orchestrator", e);
        }
        if (response.statusCode() != 200) {
            throw new IOException(uri + " answered " + response.statusCode());
        }
        return JSON.readValue(response.body(), KnownExecutions.Answer.class);
    }

    URI uri() {
        return uri;
    }
}
