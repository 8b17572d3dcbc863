package io.rgrid.orchestrator.agent;

import io.rgrid.model.Json;
import io.rgrid.model.agent.AgentApi;
import io.rgrid.model.agent.Assignment;
import io.rgrid.orchestrator.config.RgridConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * The orchestrator's one client of the worker-agent's HTTP API ({@link AgentApi}), for the agent
 * mode's dispatcher, health monitor (stops), heartbeat reconciliation (stops) and cancels and for
 * the Ray mode's fences. Every call carries
 * the worker's bearer token; connecting and answering are each bounded by
 * {@code rgrid.orchestrator.dispatch.ack-timeout}. What an answer means is {@link AgentAnswers}'.
 */
@ApplicationScoped
public class AgentClient {

    private static final Logger LOG = Logger.getLogger(AgentClient.class);

    /** What became of an assignment the orchestrator sent. */
    public sealed interface Outcome {
        record Accepted() implements Outcome {
        }

        /** The agent answered that it did not take it (a 4xx: draining, no free slot, fenced, bad token). */
        record Refused(int status, String body) implements Outcome {
        }

        /** No answer within the bound, the agent could not be reached, or an answer that may come after it took it (5xx). */
        record NoAnswer(String error) implements Outcome {
        }
    }

    private final HttpClient http;
    private final Duration timeout;

    @Inject
    public AgentClient(RgridConfig config) {
        this(config.orchestrator().dispatch().ackTimeout());
    }

    AgentClient(Duration timeout) {
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).version(HttpClient.Version.HTTP_1_1).build();
    }

    /** POSTs the assignment; completes (never exceptionally) once the agent answered or the bound passed. */
    public CompletableFuture<Outcome> assign(AgentTarget worker, Assignment assignment) {
        HttpRequest request;
        try {
            request = request(worker, AgentApi.ASSIGNMENTS)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(Json.mapper().writeValueAsBytes(assignment)))
                    .build();
        } catch (IOException | IllegalArgumentException e) {
            return CompletableFuture.completedFuture(new Outcome.NoAnswer(e.toString()));
        }
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .thenApply(response -> AgentAnswers.assignment(response.statusCode(), response.body()))
                .exceptionally(e -> new Outcome.NoAnswer(String.valueOf(e.getCause() == null ? e : e.getCause())));
    }

    /**
     * Asks the agent to fence an attempt it did not answer for in time (see {@link AgentApi}).
     * Completes (never exceptionally) with whether it holds the attempt, or empty when it did not
     * answer this either.
     */
    public CompletableFuture<Optional<Boolean>> fence(AgentTarget worker, UUID executionId, int attempt) {
        return fence(worker, executionId, attempt, AgentApi.fence(executionId.toString(), attempt));
    }

    /**
     * Asks the agent to stop an attempt the orchestrator takes back: killed without a report when
     * it holds it, refused from then on (a stopping fence, {@link AgentApi#stop}). Completes
     * (never exceptionally) with true when the agent finished the attempt (its report is in Kafka),
     * false when it no longer runs it and never will, empty when it did not answer.
     */
    public CompletableFuture<Optional<Boolean>> stop(AgentTarget worker, UUID executionId, int attempt) {
        return fence(worker, executionId, attempt, AgentApi.stop(executionId.toString(), attempt));
    }

    private CompletableFuture<Optional<Boolean>> fence(AgentTarget worker, UUID executionId, int attempt,
                                                       String path) {
        HttpRequest request;
        try {
            request = request(worker, path).POST(HttpRequest.BodyPublishers.noBody()).build();
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .thenApply(response -> {
                    if (response.statusCode() != 200) {
                        LOG.warnf("agent %s answered %d to the fence of %s attempt %d: %s", worker.id(),
                                response.statusCode(), executionId, attempt, AgentAnswers.abbreviate(response.body()));
                        return Optional.<Boolean>empty();
                    }
                    try {
                        return Optional.of(Json.mapper().readValue(response.body(), AgentApi.FenceResult.class).held());
                    } catch (IOException e) {
                        LOG.warnf("agent %s answered the fence of %s with an unreadable body: %s", worker.id(),
                                executionId, AgentAnswers.abbreviate(response.body()));
                        return Optional.<Boolean>empty();
                    }
                })
                .exceptionally(e -> Optional.empty());
    }

    /** Asks the agent to cancel its attempt of {@code executionId}; blocks up to the bound. */
    public AgentAnswers.Cancel cancel(AgentTarget worker, UUID executionId) {
        return AgentAnswers.cancel(send(worker, "POST", AgentApi.cancel(executionId.toString())).status());
    }

    /** Whether the agent holds, finished or does not know that attempt; blocks up to the bound. */
    public AgentAnswers.Attempt attempt(AgentTarget worker, UUID executionId, int attempt) {
        Answer answer = send(worker, "GET", AgentApi.assignment(executionId.toString()) + "?attempt=" + attempt);
        return AgentAnswers.attempt(answer.status(), answer.body());
    }

    /**
     * The direct liveness probe: {@code GET /v1/health}, bounded like every call. True only when
     * this worker's agent answered (an answer naming another worker id is another agent on a reused
     * address).
     */
    public boolean probe(AgentTarget worker) {
        if (worker.address() == null) {
            return false;
        }
        Answer answer = send(worker, "GET", AgentApi.HEALTH);
        return AgentAnswers.isAgent(answer.status(), answer.body(), worker.id());
    }

    /** A status and body, or {@link AgentAnswers#NO_ANSWER} and the error. */
    private record Answer(int status, String body) {
    }

    private Answer send(AgentTarget worker, String method, String path) {
        try {
            HttpResponse<String> response = http.send(request(worker, path)
                    .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body());
        } catch (IOException | IllegalArgumentException e) {
            LOG.debugf("agent %s: %s %s failed: %s", worker.id(), method, path, e.toString());
            return new Answer(AgentAnswers.NO_ANSWER, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(AgentAnswers.NO_ANSWER, e.toString());
        }
    }

    private HttpRequest.Builder request(AgentTarget worker, String path) {
        String base = worker.address().endsWith("/")
                ? worker.address().substring(0, worker.address().length() - 1) : worker.address();
        return HttpRequest.newBuilder(URI.create(base + path))
                .timeout(timeout)
                .header("Authorization", "Bearer " + worker.token())
                .header("Content-Type", "application/json")
                .header("Accept", "application/json");
    }
}
