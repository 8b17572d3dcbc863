package io.rgrid.worker.testing;

import io.rgrid.model.ExecutionSpec;
import io.rgrid.model.agent.Assignment;
import io.rgrid.model.storage.StorageKeys;
import io.rgrid.platform.storage.StoragePresigner;
import io.rgrid.testinfra.Servers;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

/**
 * Assignments as the orchestrator sends them, for the agent's tests: the storage access signed
 * with the test servers' keys, which the test holds and the agent never gets.
 */
public final class PresignedAssignments {

    /** Long enough for any test; the expiry itself is the store's to enforce (PresignedStoreTest). */
    private static final Duration VALID_FOR = Duration.ofHours(1);

    private final StoragePresigner presigner;
    private final String bucket;

    public PresignedAssignments(Servers servers, String bucket) {
        this.presigner = new StoragePresigner(servers.s3Endpoint(), servers.s3AccessKey(), servers.s3SecretKey(),
                "us-east-1", bucket);
        this.bucket = bucket;
    }

    /**
     * Attempt {@code attempt} of execution {@code id} whose script is at {@code StorageKeys.script(id)}.
     *
     * @param inputs          input name → storage key
     * @param requirementsKey the key of requirements.txt, or null
     */
    public Assignment of(UUID id, String projectId, int attempt, ExecutionSpec spec, Map<String, String> inputs,
                         String requirementsKey) {
        return new Assignment(id, projectId, attempt, spec, bucket, StorageKeys.script(id), inputs, requirementsKey,
                presigner.access(id, attempt, StorageKeys.script(id), inputs, requirementsKey, VALID_FOR));
    }
}
