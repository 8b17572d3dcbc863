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
 * @param reportKeys      worker id → the attempt key for that worker (Base64 of HMAC(K,
 *                        executionId|attempt|workerId), {@code io.rgrid.model.signing.RecordSignatures#attemptKey}):
 *                        the agent signs this attempt's status reports and log chunks with its own
 *                        entry. One entry when the orchestrator picked the worker; in Ray mode, where
 *                        Ray picks the node, one per live worker, each sealed with that worker's token
 *                        ({@code io.rgrid.model.signing.SealedReportKeys}; docs/security.md). An agent
 *                        refuses an assignment without a key for itself
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
        StorageAccess storage,
        Map<String, String> reportKeys) {

    public Assignment {
        inputKeys = inputKeys == null ? Map.of() : Map.copyOf(inputKeys);
        reportKeys = reportKeys == null ? Map.of() : Map.copyOf(reportKeys);
    }

    /** An assignment without an attempt key (as orchestrators before signed reports sent them). */
    public Assignment(UUID executionId, String projectId, int attempt, ExecutionSpec spec, String bucket,
                      String scriptKey, Map<String, String> inputKeys, String requirementsKey, StorageAccess storage) {
        this(executionId, projectId, attempt, spec, bucket, scriptKey, inputKeys, requirementsKey, storage, null);
    }

    /** This assignment with the attempt keys {@code reportKeys} (worker id → key). */
    public Assignment withReportKeys(Map<String, String> reportKeys) {
        return new Assignment(executionId, projectId, attempt, spec, bucket, scriptKey, inputKeys, requirementsKey, storage,
                reportKeys);
    }
}
