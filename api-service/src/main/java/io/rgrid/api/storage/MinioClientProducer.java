package io.rgrid.api.storage;

import io.minio.MinioClient;
import io.rgrid.api.config.RgridConfig;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.time.Duration;

/** Builds the S3 client from {@link RgridConfig.Storage}; the client is thread-safe and shared. */
public class MinioClientProducer {

    @Produces
    @Singleton
    MinioClient minioClient(RgridConfig config) {
        RgridConfig.Storage storage = config.storage();
        MinioClient client = MinioClient.builder()
                .endpoint(storage.endpoint())
                .credentials(storage.accessKey(), storage.secretKey())
                .region(storage.region())
                .build();
        // The library's 5-minute connect timeout would hang health checks and submissions on a dead store.
        client.setTimeout(Duration.ofSeconds(10).toMillis(), Duration.ofMinutes(5).toMillis(), Duration.ofMinutes(5).toMillis());
        return client;
    }
}
