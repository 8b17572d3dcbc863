package io.rgrid.api.storage;

import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The store's HTTP client gives up connecting after seconds, not the library's minutes. */
class S3HttpClientTest {

    @Test
    void boundsConnectingAndKeepsTheTransferTimeouts() {
        OkHttpClient http = new S3HttpClient().apply("<default>").orElseThrow();

        assertThat(http.connectTimeoutMillis()).isEqualTo(10_000);
        assertThat(http.readTimeoutMillis()).isEqualTo(300_000);
        assertThat(http.writeTimeoutMillis()).isEqualTo(300_000);
    }

    @Test
    void everyClientNameGetsTheOneSharedClient() {
        S3HttpClient producer = new S3HttpClient();

        assertThat(producer.apply("<default>").orElseThrow()).isSameAs(producer.apply("other").orElseThrow());
    }
}
