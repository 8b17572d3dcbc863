package io.rgrid.orchestrator.queue;

import io.rgrid.model.ExecutionSpec;
import io.rgrid.model.ExecutionState;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/** The orchestrator's copy of an execution: what it needs to place it and to fence reports. */
public record ExecutionRecord(
        UUID id,
        String projectId,
        int attempt,
        ExecutionState state,
        ExecutionSpec spec,
        String scriptKey,
        Map<String, String> inputKeys,
        String requirementsKey,
        int maxAttempts,
        String workerId,
        Instant assignedAt,
        boolean cancelRequested,
        Instant submittedAt,
        Instant queuedAt) {

    /** This execution as it is once assigned to {@code worker}. */
    public ExecutionRecord assignedTo(String worker, Instant at) {
        return new ExecutionRecord(id, projectId, attempt, ExecutionState.ASSIGNED, spec, scriptKey, inputKeys,
                requirementsKey, maxAttempts, worker, at, cancelRequested, submittedAt, queuedAt);
    }

    /** This execution with another state of the same attempt. */
    public ExecutionRecord withState(ExecutionState newState) {
        return new ExecutionRecord(id, projectId, attempt, newState, spec, scriptKey, inputKeys, requirementsKey,
                maxAttempts, workerId, assignedAt, cancelRequested, submittedAt, queuedAt);
    }

    public boolean attemptsLeft() {
        return attempt < maxAttempts;
    }
}
