package io.rgrid.model.event;

import io.rgrid.model.ExecutionSpec;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * api-service accepted an execution: its files are in storage and its row is committed.
 *
 * @param inputKeys       input file name → storage key
 * @param requirementsKey storage key of requirements.txt, or null
 */
public record ExecutionSubmitted(
        UUID executionId,
        String projectId,
        int attempt,
        ExecutionSpec spec,
        String scriptKey,
        Map<String, String> inputKeys,
        String requirementsKey,
        Instant submittedAt) implements Event {

    public ExecutionSubmitted {
        inputKeys = inputKeys == null ? Map.of() : Map.copyOf(inputKeys);
    }

    @Override
    public String key() {
        return executionId.toString();
    }
}
