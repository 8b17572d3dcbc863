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
 * @param storage         how the worker reads these files and stores the log and outputs of this
 *                        run: presigned URLs and a POST policy (the worker holds no store key); an
 *                        agent refuses an assignment without it
 */
public record Assignment(
        UUID executionId,
        String projectId,
        int attempt,
        ExecutionSpec spec,
        String bucket,
        String scriptKey,
        Map<String, String> inputKeys,
        String requirementsKey,
        StorageAccess storage) {

    public Assignment {
        inputKeys = inputKeys == null ? Map.of() : Map.copyOf(inputKeys);
    }
}
