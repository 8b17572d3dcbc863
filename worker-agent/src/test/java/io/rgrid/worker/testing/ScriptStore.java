package io.rgrid.worker.testing;

import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.rgrid.model.Ids;
import io.rgrid.model.storage.StorageKeys;
import io.rgrid.testinfra.Servers;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * The test side of the object store, as the control plane uses it: it stores executions'
 * scripts and reads back what the agent stored (the test holds the store's keys; agents never do).
 */
public final class ScriptStore {

    private final MinioClient s3;
    private final String bucket;

    private ScriptStore(MinioClient s3, String bucket) {
        this.s3 = s3;
        this.bucket = bucket;
    }

    /** The test run's S3 server, with {@code bucket} made when missing. */
    public static ScriptStore connect(Servers servers, String bucket) throws Exception {
        MinioClient s3 = MinioClient.builder().endpoint(servers.s3Endpoint())
                .credentials(servers.s3AccessKey(), servers.s3SecretKey()).region("us-east-1").build();
        if (!s3.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
            try {
                s3.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
            } catch (Exception e) {
                // another test class made it meanwhile
            }
        }
        return new ScriptStore(s3, bucket);
    }

    /** The client, for what else a test stores or lists. */
    public MinioClient client() {
        return s3;
    }

    /** A new execution id whose script is {@code script}. */
    public UUID putScript(String script) throws Exception {
        UUID id = Ids.newExecutionId();
        byte[] bytes = script.getBytes(StandardCharsets.UTF_8);
        s3.putObject(PutObjectArgs.builder().bucket(bucket).object(StorageKeys.script(id))
                .stream(new ByteArrayInputStream(bytes), bytes.length, -1).build());
        return id;
    }

    public String read(String key) throws Exception {
        try (var in = s3.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build())) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
