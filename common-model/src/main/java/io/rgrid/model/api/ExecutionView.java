package io.rgrid.model.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.rgrid.model.ExecutionSpec;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.FailureReason;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * An execution as the API shows it.
 *
 * @param logBytes the byte length of the current attempt's stored log, once its worker reported the
 *                 attempt's end; null before that, or when no log was stored
 */
public record ExecutionView(
        UUID id,
        String projectId,
        ExecutionState state,
        int attempt,
        ExecutionSpec spec,
        String scriptName,
        List<String> inputs,
        String workerId,
        Integer exitCode,
        FailureReason reason,
        String message,
        Instant createdAt,
        Instant updatedAt,
        Instant startedAt,
        Instant finishedAt,
        Long logBytes) {

    @JsonIgnore
    public boolean isTerminal() {
        return state != null && state.isTerminal();
    }
}
