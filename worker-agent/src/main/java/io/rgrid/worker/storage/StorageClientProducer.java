package io.rgrid.worker.storage;

import io.minio.MinioClient;
import io.rgrid.worker.config.WorkerConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Builds the S3 client from {@code rgrid.storage.*}. */
@ApplicationScoped
public class StorageClientProducer {

    @Produces
    @Singleton
    MinioClient minioClient(WorkerConfig config) {
        WorkerConfig.Storage storage = config.storage();
        return MinioClient.builder()
                .endpoint(storage.endpoint())
                .credentials(storage.accessKey(), storage.secretKey())
                .region(storage.region())
                .build();
    }
}
