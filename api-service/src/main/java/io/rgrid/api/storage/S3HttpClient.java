package io.rgrid.api.storage;

import io.minio.http.HttpUtils;
import io.quarkiverse.minio.client.OptionalHttpClientProducer;
import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Singleton;
import okhttp3.ConnectionPool;
import okhttp3.OkHttpClient;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP client under the quarkus-minio extension's {@code MinioClient} (configured from
 * {@code rgrid.storage.*} in application.properties). It replaces the extension's, whose 5-minute
 * connect timeout would hang health checks and submissions on a dead store and whose OkHttp pool
 * keeps 5 idle connections, so under concurrent submissions every other upload would open a new
 * connection: here connecting is bounded by 10 s and 64 connections stay open. The extension
 * asks for it while {@code quarkus.minio.produce-metrics} is true (its default).
 */
@Alternative
@Priority(1)
@Singleton
public class S3HttpClient implements OptionalHttpClientProducer {

    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    static final Duration READ_WRITE_TIMEOUT = Duration.ofMinutes(5);
    static final int KEPT_CONNECTIONS = 64;

    private final OkHttpClient http = HttpUtils.newDefaultHttpClient(CONNECT_TIMEOUT.toMillis(),
                    READ_WRITE_TIMEOUT.toMillis(), READ_WRITE_TIMEOUT.toMillis())
            .newBuilder()
            .connectionPool(new ConnectionPool(KEPT_CONNECTIONS, 5, TimeUnit.MINUTES))
            .build();

    @Override
    public Optional<OkHttpClient> apply(String clientName) {
        return Optional.of(http);
    }
}
