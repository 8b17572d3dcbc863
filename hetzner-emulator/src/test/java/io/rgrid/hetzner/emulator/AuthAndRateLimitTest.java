package io.rgrid.hetzner.emulator;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class AuthAndRateLimitTest {

    private HetznerEmulator emulator;

    @AfterEach
    void stop() {
        if (emulator != null) {
            emulator.stop();
        }
    }

    @Test
    void missingOrWrongTokenIsUnauthorized() {
        emulator = HetznerEmulator.builder().token("right").build().start();
        for (Api api : new Api[] {new Api(emulator.baseUrl(), null), new Api(emulator.baseUrl(), "wrong")}) {
            Api.Reply r = api.get("/servers");
            assertThat(r.status()).isEqualTo(401);
            assertThat(r.errorCode()).isEqualTo("unauthorized");
            assertThat(r.body().path("error").path("message").asText()).isNotBlank();
            assertThat(r.header("RateLimit-Limit")).isEqualTo("3600");
        }
        Api.Reply ok = new Api(emulator.baseUrl(), "right").get("/servers");
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.body().path("servers").isArray()).isTrue();
    }

    @Test
    void everyResponseCarriesRateLimitHeaders() {
        emulator = HetznerEmulator.builder().build().start();
        Api api = new Api(emulator.baseUrl(), "emulator-token");
        Api.Reply first = api.get("/locations");
        Api.Reply second = api.get("/servers/1");
        assertThat(first.header("RateLimit-Limit")).isEqualTo("3600");
        assertThat(Long.parseLong(first.header("RateLimit-Remaining"))).isEqualTo(3599);
        assertThat(Long.parseLong(second.header("RateLimit-Remaining"))).isBetween(3598L, 3599L);
        long reset = Long.parseLong(second.header("RateLimit-Reset"));
        assertThat(reset).isBetween(Instant.now().getEpochSecond(), Instant.now().getEpochSecond() + 3);
    }

    @Test
    void spentBudgetAnswers429UntilItRefills() {
        emulator = HetznerEmulator.builder().rateLimit(5, 1.0).build().start();
        Api api = new Api(emulator.baseUrl(), "emulator-token");
        int admitted = 0;
        Api.Reply limited = null;
        // At most one token refills per second, so 5 + a few requests must hit the empty bucket.
        for (int i = 0; i < 30 && limited == null; i++) {
            Api.Reply r = api.get("/server_types");
            if (r.status() == 429) {
                limited = r;
            } else {
                assertThat(r.status()).isEqualTo(200);
                admitted++;
            }
        }
        assertThat(limited).isNotNull();
        assertThat(admitted).isGreaterThanOrEqualTo(5);
        assertThat(limited.errorCode()).isEqualTo("rate_limit_exceeded");
        assertThat(limited.body().path("error").path("message").asText()).isNotBlank();
        assertThat(limited.header("RateLimit-Limit")).isEqualTo("5");
        assertThat(limited.header("RateLimit-Remaining")).isEqualTo("0");
        assertThat(Long.parseLong(limited.header("RateLimit-Reset"))).isGreaterThan(Instant.now().getEpochSecond());
        Api.sleep(1100);
        assertThat(api.get("/server_types").status()).isEqualTo(200);
    }

    @Test
    void unauthenticatedRequestsSpendTheSameBudget() {
        emulator = HetznerEmulator.builder().rateLimit(1, 0.0).build().start();
        assertThat(new Api(emulator.baseUrl(), null).get("/servers").status()).isEqualTo(401);
        Api.Reply r = new Api(emulator.baseUrl(), "emulator-token").get("/servers");
        assertThat(r.status()).isEqualTo(429);
        assertThat(r.errorCode()).isEqualTo("rate_limit_exceeded");
    }
}
