package io.rgrid.api.storage;

import io.minio.BucketExistsArgs;
import io.minio.MinioClient;
import io.quarkiverse.minio.client.OptionalHttpClientProducer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.rgrid.api.config.RgridConfig;
import io.rgrid.testinfra.SharedServersResource;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The quarkus-minio extension's client, given rgrid.storage.* through application.properties,
 * reaches the test servers' real S3 over plain HTTP, on RGrid's HTTP client rather than the
 * extension's.
 */
@QuarkusTest
@QuarkusTestResource(value = SharedServersResource.class, initArgs = @ResourceArg(name = "namespace", value = "api"))
class S3ClientWiringTest {

    @Inject
    MinioClient minio;

    @Inject
    OptionalHttpClientProducer httpClients;

    @Inject
    RgridConfig config;

    @Test
    void theExtensionsClientReachesTheStoreWithRgridsSettings() throws Exception {
        assertThat(minio.bucketExists(BucketExistsArgs.builder().bucket(config.storage().bucket()).build())).isTrue();
    }

    @Test
    void theExtensionUsesRgridsHttpClient() {
        assertThat(httpClients).isInstanceOf(S3HttpClient.class);
    }
}
