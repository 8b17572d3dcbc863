package io.rgrid.model.agent;

import java.util.UUID;

/**
 * The worker-agent's HTTP API, called by the orchestrator (and, in Ray mode, by the Ray task
 * over loopback). Authenticated with the worker token the orchestrator issued at bootstrap:
 * {@code Authorization: Bearer <worker token>}.
 *
 * <ul>
 *   <li>{@code POST /v1/assignments} with an {@link Assignment}: answers 202 with
 *       {@link AssignmentAccepted} only once the agent holds the attempt; 409 when it is
 *       draining or has no free slot; the same assignment twice is accepted once.</li>
 *   <li>{@code POST /v1/assignments/{executionId}/cancel}: 202; the attempt ends CANCELLED.</li>
 *   <li>{@code POST /v1/assignments/{executionId}/fence?attempt=N}: 200 with {@link FenceResult}. For an
 *       assignment the orchestrator got no answer to: {@code held=true} when the agent holds (or
 *       finished) that attempt; otherwise {@code held=false} and the agent refuses that attempt from
 *       then on (409), so a request that arrives late can never start it. With {@code &stop=true}
 *       (the orchestrator taking back the attempt of a worker it lost) a held attempt is first killed
 *       without a report and answered {@code held=false}; only a finished one is {@code held=true}.
 *       An agent older than {@code stop} ignores it and answers {@code held=true} for a held attempt.</li>
 *   <li>{@code GET /v1/assignments/{executionId}[?attempt=N]}: {@link AssignmentStatus} of that
 *       attempt (default: the newest the agent knows); 404 when it knows none. Used by the Ray
 *       task to wait for the end of the attempt it handed over.</li>
 *   <li>{@code GET /v1/health}: {@link AgentHealth}.</li>
 * </ul>
 */
public final class AgentApi {

    public static final int DEFAULT_PORT = 8002;
    public static final String ASSIGNMENTS = "/v1/assignments";
    public static final String HEALTH = "/v1/health";

    private AgentApi() {
    }

    /** {@code GET} this for an {@link AssignmentStatus}. */
    public static String assignment(String executionId) {
        return ASSIGNMENTS + "/" + executionId;
    }

    public static String fence(String executionId, int attempt) {
        return ASSIGNMENTS + "/" + executionId + "/fence?attempt=" + attempt;
    }

    /** A fence that also stops the attempt when the agent holds it (see the class comment). */
    public static String stop(String executionId, int attempt) {
        return fence(executionId, attempt) + "&stop=true";
    }

    /** The answer to a fence: whether the agent holds (or finished) the attempt. */
    public record FenceResult(UUID executionId, int attempt, boolean held) {
    }

    public static String cancel(String executionId) {
        return ASSIGNMENTS + "/" + executionId + "/cancel";
    }
}
