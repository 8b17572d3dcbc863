package io.rgrid.api.storage;

import io.minio.BucketExistsArgs;
import io.minio.CopyObjectArgs;
import io.minio.CopySource;
import io.minio.GetObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import io.minio.errors.ErrorResponseException;
import io.minio.messages.Item;
import io.quarkus.runtime.StartupEvent;
import io.rgrid.api.config.RgridConfig;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * The execution files in the bucket. Methods throw {@link StorageException} for any failure of
 * the store, so callers decide between "not there" (an empty Optional) and "unavailable".
 */
@Singleton
public class ObjectStore {

    private static final Logger LOG = Logger.getLogger(ObjectStore.class);
    private static final long PART_SIZE = 16L * 1024 * 1024;

    private final MinioClient client;
    private final String bucket;
    private volatile boolean bucketReady;

    public ObjectStore(MinioClient client, RgridConfig config) {
        this.client = client;
        this.bucket = config.storage().bucket();
    }

    void onStart(@Observes StartupEvent event) {
        try {
            ensureBucket();
        } catch (StorageException e) {
            // The service still starts: reads fail until the store answers, and the next upload retries this.
            LOG.warnf("S3 bucket '%s' could not be checked at start (%s); will retry on first upload", bucket, e.getMessage());
        }
    }

    /** Creates the bucket when it does not exist yet; cheap after the first success. */
    public void ensureBucket() {
        if (bucketReady) {
            return;
        }
        try {
            if (!client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
                try {
                    client.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
                    LOG.infof("created S3 bucket '%s'", bucket);
                } catch (ErrorResponseException e) {
                    // Another instance created it between our check and our create.
                    String code = e.errorResponse().code();
                    if (!"BucketAlreadyOwnedByYou".equals(code) && !"BucketAlreadyExists".equals(code)) {
                        throw e;
                    }
                }
            }
            bucketReady = true;
        } catch (Exception e) {
            throw new StorageException("bucket " + bucket + ": " + e.getMessage(), e);
        }
    }

    /** Streams {@code size} bytes into {@code key}; the caller closes {@code content}. */
    public void put(String key, InputStream content, long size, String contentType) {
        ensureBucket();
        try {
            client.putObject(PutObjectArgs.builder()
                    .bucket(bucket)
                    .object(key)
                    .stream(content, size, size > PART_SIZE ? PART_SIZE : -1)
                    .contentType(contentType == null ? "application/octet-stream" : contentType)
                    .build());
        } catch (Exception e) {
            throw new StorageException("upload of " + key + " failed: " + e.getMessage(), e);
        }
    }

    /** @return the object's content, or empty when no such object exists; the caller closes the stream */
    public Optional<InputStream> get(String key) {
        return get(key, 0);
    }

    /**
     * @param offset the first byte to read (a ranged read; 0 for all of it)
     * @return the object's content from {@code offset}, or empty when no such object exists; the caller closes the stream
     */
    public Optional<InputStream> get(String key, long offset) {
        try {
            GetObjectArgs.Builder args = GetObjectArgs.builder().bucket(bucket).object(key);
            if (offset > 0) {
                args.offset(offset);
            }
            return Optional.of(client.getObject(args.build()));
        } catch (ErrorResponseException e) {
            if (isMissing(e)) {
                return Optional.empty();
            }
            throw new StorageException("read of " + key + " failed: " + e.getMessage(), e);
        } catch (Exception e) {
            throw new StorageException("read of " + key + " failed: " + e.getMessage(), e);
        }
    }

    /** An object's name (relative to the listed prefix), size and ETag. */
    public record ObjectInfo(String name, long size, String etag, Instant lastModified) {
    }

    /** Every object under {@code prefix}, in key order. */
    public List<ObjectInfo> list(String prefix) {
        List<ObjectInfo> out = new ArrayList<>();
        try {
            for (Result<Item> result : client.listObjects(
                    ListObjectsArgs.builder().bucket(bucket).prefix(prefix).recursive(true).build())) {
                Item item = result.get();
                out.add(new ObjectInfo(item.objectName().substring(prefix.length()), item.size(), unquote(item.etag()),
                        item.lastModified() == null ? null : item.lastModified().toInstant()));
            }
        } catch (Exception e) {
            throw new StorageException("listing " + prefix + " failed: " + e.getMessage(), e);
        }
        return out;
    }

    /** The object's size and ETag, or empty when it does not exist. */
    public Optional<ObjectInfo> stat(String key) {
        try {
            StatObjectResponse stat = client.statObject(StatObjectArgs.builder().bucket(bucket).object(key).build());
            return Optional.of(new ObjectInfo(key, stat.size(), unquote(stat.etag()),
                    stat.lastModified() == null ? null : stat.lastModified().toInstant()));
        } catch (ErrorResponseException e) {
            if (isMissing(e)) {
                return Optional.empty();
            }
            throw new StorageException("stat of " + key + " failed: " + e.getMessage(), e);
        } catch (Exception e) {
            throw new StorageException("stat of " + key + " failed: " + e.getMessage(), e);
        }
    }

    /** Server-side copy inside the bucket; @return false when {@code from} does not exist */
    public boolean copy(String from, String to) {
        try {
            client.copyObject(CopyObjectArgs.builder().bucket(bucket).object(to)
                    .source(CopySource.builder().bucket(bucket).object(from).build()).build());
            return true;
        } catch (ErrorResponseException e) {
            if (isMissing(e)) {
                return false;
            }
            throw new StorageException("copy of " + from + " failed: " + e.getMessage(), e);
        } catch (Exception e) {
            throw new StorageException("copy of " + from + " failed: " + e.getMessage(), e);
        }
    }

    private static String unquote(String etag) {
        if (etag == null) {
            return null;
        }
        return etag.length() >= 2 && etag.startsWith("\"") && etag.endsWith("\"") ? etag.substring(1, etag.length() - 1) : etag;
    }

    public boolean exists(String key) {
        try {
            client.statObject(StatObjectArgs.builder().bucket(bucket).object(key).build());
            return true;
        } catch (ErrorResponseException e) {
            if (isMissing(e)) {
                return false;
            }
            throw new StorageException("stat of " + key + " failed: " + e.getMessage(), e);
        } catch (Exception e) {
            throw new StorageException("stat of " + key + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Removes every key it can and logs the ones it cannot: used to undo a submission that failed,
     * where the original failure is what the client must hear about.
     */
    public void deleteQuietly(Collection<String> keys) {
        for (String key : keys) {
            try {
                client.removeObject(RemoveObjectArgs.builder().bucket(bucket).object(key).build());
            } catch (Exception e) {
                LOG.warnf("could not remove orphaned object %s/%s: %s", bucket, key, e.getMessage());
            }
        }
    }

    /** For the readiness check: the bucket answers. */
    public boolean bucketExists() throws IOException {
        try {
            return client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build());
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    public String bucket() {
        return bucket;
    }

    private static boolean isMissing(ErrorResponseException e) {
        String code = e.errorResponse().code();
        return "NoSuchKey".equals(code) || "NoSuchObject".equals(code) || "NotFound".equals(code);
    }
}
