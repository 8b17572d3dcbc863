package io.rgrid.model.api;

import io.rgrid.model.ExecutionState;
import io.rgrid.model.FailureReason;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The orchestrator's {@code POST /v1/executions/known}: which of the given executions it has a
 * copy of, at which attempt, and how those that ended there ended. api-service's reconciliation asks
 * it about executions that are non-terminal in the API, announces again the submission of those it
 * does not know and applies the end of those that ended there long enough ago.
 */
public final class KnownExecutions {

    public static final String PATH = "/v1/executions/known";
    /** The most ids one request may name. */
    public static final int MAX_IDS = 1000;

    private KnownExecutions() {
    }

    /** The executions asked about. */
    public record Request(List<UUID> ids) {
    }

    /**
     * The current attempt of each asked-about execution the orchestrator knows (unknown ids are
     * left out), and how each of them that ended there ended. An orchestrator from before
     * {@code ended} existed sends none: read as empty.
     */
    public record Answer(Map<UUID, Integer> known, Map<UUID, Ended> ended) {
        public Answer {
            known = known == null ? Map.of() : Map.copyOf(known);
            ended = ended == null ? Map.of() : Map.copyOf(ended);
        }

        public Answer(Map<UUID, Integer> known) {
            this(known, Map.of());
        }
    }

    /**
     * An execution in a terminal state in the orchestrator's copy: the API applies this end itself
     * when the worker's (or the orchestrator's) report of it never arrived.
     *
     * @param reason   the failure reason the orchestrator recorded, null when none (SUCCEEDED, or one it does not know)
     * @param workerId the worker it ended on, null when none
     * @param at       when the orchestrator's copy last changed: when it ended
     */
    public record Ended(ExecutionState state, int attempt, FailureReason reason, String workerId, Instant at) {
    }
}
