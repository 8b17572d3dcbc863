package io.rgrid.orchestrator.provider.hetzner;

import io.rgrid.orchestrator.provider.ProvisioningException;
import io.rgrid.orchestrator.provider.hetzner.api.RateLimitHeaders;
import io.rgrid.orchestrator.provider.hetzner.api.RateLimiter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The hetzner provider's pure parts: the user-data template, fingerprints, the client-side rate limit. */
class HetznerProviderUnitTest {

    @Test
    void templateReplacesItsOwnNamesAndLeavesShellVariables(@TempDir Path dir) throws Exception {
        Path template = dir.resolve("worker.yaml");
        Files.writeString(template, "id ${RGRID_WORKER_ID} pool ${RGRID_POOL} ${RGRID_SERVER_TYPE}@${RGRID_LOCATION}"
                + " slots ${SLOTS} home ${HOME} $PATH");
        String out = new TemplateUserData(template, "prod", Map.of("SLOTS", "2"))
                .render("rgrid-worker-abc123", "cx23", "nbg1");
        assertThat(out).isEqualTo("id rgrid-worker-abc123 pool prod cx23@nbg1 slots 2 home ${HOME} $PATH");
    }

    @Test
    void aMissingOrOversizedTemplateSaysWhatToSet(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> new TemplateUserData(dir.resolve("nope.yaml"), "p", Map.of()).render("w", "t", "l"))
                .isInstanceOf(ProvisioningException.class)
                .hasMessageContaining("rgrid.orchestrator.hetzner.cloud-init-template");
        Path big = dir.resolve("big.yaml");
        Files.writeString(big, "x".repeat(TemplateUserData.MAX_BYTES + 1));
        assertThatThrownBy(() -> new TemplateUserData(big, "p", Map.of()).render("w", "t", "l"))
                .hasMessageContaining("at most 32768 bytes");
    }

    @Test
    void fingerprintIsMd5OfTheKeyBlobInHetznersForm() {
        // MD5 of the three bytes "abc" (base64 YWJj).
        assertThat(ProjectResources.md5Fingerprint("YWJj")).isEqualTo("90:01:50:98:3c:d2:4f:b0:d6:96:3f:7d:28:e1:7f:72");
    }

    @Test
    void theLocalBudgetFollowsRemainingAndA429EmptiesIt() throws Exception {
        RateLimiter limiter = new RateLimiter(3600);
        Instant soon = Instant.now().plusMillis(200);
        limiter.acquire(soon); // a full bucket: at once
        limiter.observe(new RateLimitHeaders(3600L, 0L, null));
        // The API says nothing is left: the next request waits about a second, longer than 200 ms allows.
        assertThatThrownBy(() -> limiter.acquire(Instant.now().plusMillis(200)))
                .isInstanceOf(RateLimiter.RateLimitWaitExceeded.class);
        limiter.acquire(Instant.now().plusSeconds(3));

        limiter.tooManyRequests(new RateLimitHeaders(3600L, 0L, Instant.now().plusSeconds(3600)), 3);
        assertThat(limiter.throttled()).isEqualTo(1);
        // Third 429 in a row: 4 s back-off.
        assertThatThrownBy(() -> limiter.acquire(Instant.now().plusSeconds(3)))
                .isInstanceOf(RateLimiter.RateLimitWaitExceeded.class);
        assertThatThrownBy(() -> new RateLimiter(0)).hasMessageContaining("requests-per-hour");
    }
}
