package io.rgrid.worker.storage;

import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.UploadObjectArgs;
import io.minio.errors.ErrorResponseException;
import io.rgrid.model.storage.CappedInputStream;
import io.rgrid.worker.config.WorkerConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Moves an attempt's files between the bucket and its work directory. */
@ApplicationScoped
public class ExecutionStorage {

    private static final Logger LOG = Logger.getLogger(ExecutionStorage.class);

    private final MinioClient client;
    private final String defaultBucket;

    @Inject
    public ExecutionStorage(MinioClient client, WorkerConfig config) {
        this.client = client;
        this.defaultBucket = config.storage().bucket();
    }

    /** The bucket an assignment's files are in: the one it names, else the configured one. */
    public String bucketOr(String bucket) {
        return bucket == null || bucket.isBlank() ? defaultBucket : bucket;
    }

    /** Creates the configured bucket when missing; failing is logged, not fatal (the store may come later). */
    public void ensureBucket() {
        try {
            if (!client.bucketExists(BucketExistsArgs.builder().bucket(defaultBucket).build())) {
                client.makeBucket(MakeBucketArgs.builder().bucket(defaultBucket).build());
                LOG.infof("Created bucket %s", defaultBucket);
            }
        } catch (Exception e) {
            LOG.warnf("Could not check or create bucket %s: %s", defaultBucket, e.getMessage());
        }
    }

    /** @throws StorageException naming the key when it is missing or the store fails */
    public void download(String bucket, String key, Path target) throws StorageException {
        try {
            Files.createDirectories(target.getParent());
            Files.deleteIfExists(target);
            // One GET streamed to the file (downloadObject would first HEAD the object: a round trip more).
            try (InputStream in = client.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build())) {
                Files.copy(in, target);
            }
        } catch (ErrorResponseException e) {
            throw new StorageException("cannot fetch s3://" + bucket + "/" + key + ": " + e.errorResponse().code(), e);
        } catch (Exception e) {
            throw new StorageException("cannot fetch s3://" + bucket + "/" + key + ": " + e.getMessage(), e);
        }
    }

    public void upload(String bucket, String key, Path source, String contentType) throws StorageException {
        try {
            client.uploadObject(UploadObjectArgs.builder().bucket(bucket).object(key).filename(source.toString())
                    .contentType(contentType).build());
        } catch (Exception e) {
            throw new StorageException("cannot store s3://" + bucket + "/" + key + ": " + e.getMessage(), e);
        }
    }

    /**
     * Stores the first {@code length} bytes of a file that may still be growing (a running
     * attempt's log): bytes written after the length was taken are not read.
     */
    public void uploadPrefix(String bucket, String key, Path source, long length, String contentType)
            throws StorageException {
        try (InputStream in = Files.newInputStream(source)) {
            client.putObject(PutObjectArgs.builder().bucket(bucket).object(key)
                    .stream(new java.io.BufferedInputStream(new CappedInputStream(in, length)), length, -1)
                    .contentType(contentType).build());
        } catch (Exception e) {
            throw new StorageException("cannot store s3://" + bucket + "/" + key + ": " + e.getMessage(), e);
        }
    }

    /** Deletes an object; a missing one is no error. */
    public void delete(String bucket, String key) throws StorageException {
        try {
            client.removeObject(RemoveObjectArgs.builder().bucket(bucket).object(key).build());
        } catch (Exception e) {
            throw new StorageException("cannot delete s3://" + bucket + "/" + key + ": " + e.getMessage(), e);
        }
    }

    /** A storage operation failed; the message says which object. */
    public static final class StorageException extends Exception {
        public StorageException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
