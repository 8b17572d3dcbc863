package io.rgrid.worker.testing;

import io.rgrid.model.ExecutionSpec;
import io.rgrid.model.agent.Assignment;
import io.rgrid.model.signing.RecordSignatures;
import io.rgrid.model.storage.StorageKeys;
import io.rgrid.platform.storage.StoragePresigner;
import io.rgrid.testinfra.Servers;
import io.rgrid.testinfra.SignedRecords;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Assignments as the orchestrator sends them, for the agent's tests: the storage access signed
 * with the test servers' keys, which the test holds and the agent never gets, and the attempt keys
 * of the workers that may run them (derived from this JVM's test key, as the orchestrator derives them).
 */
public final class PresignedAssignments {

    /** Long enough for any test; the expiry itself is the store's to enforce (PresignedStoreTest). */
    private static final Duration VALID_FOR = Duration.ofHours(1);

    private final StoragePresigner presigner;
    private final String bucket;
    private final List<String> workerIds;

    /** @param workerIds the agents the assignments are for: each gets its attempt key */
    public PresignedAssignments(Servers servers, String bucket, String... workerIds) {
        this(servers.s3Endpoint(), servers, bucket, workerIds);
    }

    /**
     * Assignments whose URLs name {@code endpoint} (a relay in front of the store, such as a
     * {@link StoreLink}): a presigned GET signs its host, so it must be signed for the relay's.
     */
    public PresignedAssignments(String endpoint, Servers servers, String bucket, String... workerIds) {
        this.workerIds = List.of(workerIds);
        this.presigner = new StoragePresigner(endpoint, servers.s3AccessKey(), servers.s3SecretKey(),
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
        Map<String, String> reportKeys = new LinkedHashMap<>();
        byte[] controlPlaneKey = RecordSignatures.secretKey(SignedRecords.controlPlaneKey());
        for (String workerId : workerIds) {
            reportKeys.put(workerId, RecordSignatures.encodeKey(
                    RecordSignatures.attemptKey(controlPlaneKey, id, attempt, workerId)));
        }
        return new Assignment(id, projectId, attempt, spec, bucket, StorageKeys.script(id), inputs, requirementsKey,
                presigner.access(id, attempt, StorageKeys.script(id), inputs, requirementsKey, VALID_FOR), reportKeys);
    }
}
