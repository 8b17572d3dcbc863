package io.rgrid.model.agent;

import io.rgrid.model.ExecutionSpec;

import java.util.Map;
import java.util.UUID;

/**
 * One attempt of an execution, handed to a worker-agent.
 *
 * @param bucket          the bucket holding its files
 * @param scriptKey       storage key of the script
 * @param inputKeys       input file name → storage key
 * @param requirementsKey storage key of requirements.txt, or null
 */
public record Assignment(
        UUID executionId,
        String projectId,
        int attempt,
        ExecutionSpec spec,
        String bucket,
        String scriptKey,
        Map<String, String> inputKeys,
        String requirementsKey) {

    public Assignment {
        inputKeys = inputKeys == null ? Map.of() : Map.copyOf(inputKeys);
    }
}
