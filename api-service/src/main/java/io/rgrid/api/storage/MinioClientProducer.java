package io.rgrid.api.storage;

import io.minio.MinioClient;
import io.rgrid.api.config.RgridConfig;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Builds the S3 client from {@link RgridConfig.Storage}; the client is thread-safe and shared. */
public class MinioClientProducer {

    @Produces
    @Singleton
    MinioClient minioClient(RgridConfig config) {
        RgridConfig.Storage storage = config.storage();
        // The library's 5-minute connect timeout would hang health checks and submissions on a dead store.
        // OkHttp keeps only 5 idle connections by default: under concurrent submissions every other
        // upload would open a new connection to the store; keep as many as requests can run at once.
        okhttp3.OkHttpClient http = io.minio.http.HttpUtils.newDefaultHttpClient(Duration.ofSeconds(10).toMillis(),
                        Duration.ofMinutes(5).toMillis(), Duration.ofMinutes(5).toMillis())
                .newBuilder()
                .connectionPool(new okhttp3.ConnectionPool(64, 5, TimeUnit.MINUTES))
                .build();
        return MinioClient.builder()
                .endpoint(storage.endpoint())
                .credentials(storage.accessKey(), storage.secretKey())
                .region(storage.region())
                .httpClient(http)
                .build();
    }
}
