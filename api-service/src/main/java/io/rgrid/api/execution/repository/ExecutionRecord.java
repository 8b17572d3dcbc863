package io.rgrid.api.execution.repository;

import io.rgrid.model.ExecutionSpec;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.FailureReason;
import io.rgrid.model.api.ExecutionView;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * One row of {@code api.executions}; {@code retryOf} names the execution this one retries, if any;
 * {@code logBytes} and {@code logLastSeq} describe the current attempt's stored log once its worker
 * reported the end (see {@link io.rgrid.model.event.ExecutionStatusChanged}).
 */
public record ExecutionRecord(
        UUID id,
        String projectId,
        ExecutionState state,
        int attempt,
        ExecutionSpec spec,
        String scriptName,
        List<String> inputs,
        boolean hasRequirements,
        String workerId,
        Integer exitCode,
        FailureReason reason,
        String message,
        Instant cancelRequestedAt,
        Instant createdAt,
        Instant updatedAt,
        Instant startedAt,
        Instant finishedAt,
        UUID retryOf,
        Long logBytes,
        Long logLastSeq) {

    public ExecutionRecord {
        inputs = inputs == null ? List.of() : List.copyOf(inputs);
    }

    public ExecutionView toView() {
        return new ExecutionView(id, projectId, state, attempt, spec, scriptName, inputs, workerId, exitCode, reason,
                message, createdAt, updatedAt, startedAt, finishedAt, logBytes);
    }
}
