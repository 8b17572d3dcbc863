package io.rgrid.platform.storage;

import io.minio.GetPresignedObjectUrlArgs;
import io.minio.MinioClient;
import io.minio.PostPolicy;
import io.minio.http.Method;
import io.rgrid.model.agent.StorageAccess;
import io.rgrid.model.storage.StorageKeys;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Signs one run's {@link StorageAccess}: presigned GETs of the execution's script, inputs and
 * requirements, and a presigned POST policy that admits keys below the run's prefix only
 * ({@code StorageKeys.runPrefix}). Signing is computed here (AWS Signature V4 with the MinIO SDK,
 * the region given), with no request to the store. A plain class, not a bean: the orchestrator
 * builds one from its settings, tests build their own.
 */
public final class StoragePresigner {

    /** The longest a V4 presigned URL may be valid (AWS's limit, which MinIO enforces too). */
    public static final Duration MAX_VALIDITY = Duration.ofDays(7);

    private final MinioClient client;
    private final String bucket;
    private final String uploadUrl;

    /**
     * @param endpoint the store's URL as the workers reach it ({@code http://10.0.0.2:9000}): the
     *                 signature covers the host, so it must be the one they send
     */
    public StoragePresigner(String endpoint, String accessKey, String secretKey, String region, String bucket) {
        this.client = MinioClient.builder().endpoint(endpoint).credentials(accessKey, secretKey).region(region).build();
        this.bucket = bucket;
        String base = endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
        this.uploadUrl = base + "/" + bucket;
    }

    /**
     * A new run of the attempt (a random UUID) and what its worker may read and write, valid for
     * {@code validFor} (at most {@link #MAX_VALIDITY}) from now.
     *
     * @param inputKeys input file name → storage key
     * @param requirementsKey the key of requirements.txt, or null
     */
    public StorageAccess access(UUID executionId, int attempt, String scriptKey, Map<String, String> inputKeys,
                                String requirementsKey, Duration validFor) {
        String run = UUID.randomUUID().toString();
        Duration validity = validFor.compareTo(MAX_VALIDITY) > 0 ? MAX_VALIDITY : validFor;
        Instant expiresAt = Instant.now().plus(validity);
        int seconds = (int) Math.max(1, validity.toSeconds());
        Map<String, String> inputUrls = new LinkedHashMap<>();
        for (Map.Entry<String, String> input : inputKeys.entrySet()) {
            inputUrls.put(input.getKey(), get(input.getValue(), seconds));
        }
        boolean hasRequirements = requirementsKey != null && !requirementsKey.isBlank();
        PostPolicy policy = new PostPolicy(bucket, expiresAt.atZone(ZoneOffset.UTC));
        policy.addStartsWithCondition("key", StorageKeys.runPrefix(executionId, attempt, run));
        Map<String, String> fields;
        try {
            fields = client.getPresignedPostFormData(policy);
        } catch (Exception e) {
            throw new IllegalStateException("could not sign the upload policy of " + executionId + ": " + e.getMessage(), e);
        }
        return new StorageAccess(run, get(scriptKey, seconds), inputUrls, hasRequirements ? get(requirementsKey, seconds) : null,
                uploadUrl, fields, expiresAt);
    }

    private String get(String key, int seconds) {
        try {
            return client.getPresignedObjectUrl(GetPresignedObjectUrlArgs.builder().method(Method.GET).bucket(bucket)
                    .object(key).expiry(seconds).build());
        } catch (Exception e) {
            throw new IllegalStateException("could not sign a GET of " + key + ": " + e.getMessage(), e);
        }
    }
}
