package io.rgrid.api.config.check;

import io.rgrid.api.config.RgridConfig;
import io.rgrid.api.support.TestConfigs;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Lifetimes, retentions, the cleanup interval and failure limits must be positive, trusted proxies addresses; the defaults are. */
class ConfigCheckTest {

    @Test
    void theDefaultsPass() {
        assertThat(ConfigCheck.problems(TestConfigs.defaults())).isEmpty();
    }

    @Test
    void nonPositiveDurationsAndBatchSizesAreRefusedByName() {
        RgridConfig config = TestConfigs.with(Map.of(
                "rgrid.dashboard.session-ttl", "0s",
                "rgrid.dashboard.session-idle-timeout", "-PT1M",
                "rgrid.api.idempotency-key-retention", "0s",
                "rgrid.cleanup.interval", "-PT10M",
                "rgrid.cleanup.batch-size", "0"));
        assertThat(ConfigCheck.problems(config)).containsExactly(
                "rgrid.dashboard.session-ttl must be a positive duration (e.g. 12h), not PT0S",
                "rgrid.dashboard.session-idle-timeout must be a positive duration (e.g. 2h), not PT-1M",
                "rgrid.api.idempotency-key-retention must be a positive duration (e.g. 24h), not PT0S",
                "rgrid.cleanup.interval must be a positive duration (e.g. 10m), not PT-10M",
                "rgrid.cleanup.batch-size must be a positive number of rows (e.g. 1000), not 0");
    }

    @Test
    void authFailureLimitsMustBePositiveAndTrustedProxiesAddresses() {
        RgridConfig config = TestConfigs.with(Map.of(
                "rgrid.api.auth-failures.address-burst", "0",
                "rgrid.api.auth-failures.key-per-minute", "-1",
                "rgrid.api.auth-failures.verified-for", "0s",
                "rgrid.api.trusted-proxies", "127.0.0.1/32,nginx.local,10.0.0.0/40"));
        assertThat(ConfigCheck.problems(config)).containsExactly(
                "rgrid.api.auth-failures.address-burst must be a positive number of failures (e.g. 20), not 0",
                "rgrid.api.auth-failures.key-per-minute must be a positive number of failures (e.g. 2), not -1",
                "rgrid.api.auth-failures.verified-for must be a positive duration (e.g. 1h), not PT0S",
                "rgrid.api.trusted-proxies must list IP addresses or CIDR ranges (e.g. 127.0.0.1/32,::1/128), not 'nginx.local'",
                "rgrid.api.trusted-proxies must list IP addresses or CIDR ranges (e.g. 127.0.0.1/32,::1/128), not '10.0.0.0/40'");
    }

    @Test
    void reconciliationIntervalsMustBePositiveAndItsBatchWhatTheOrchestratorAnswers() {
        RgridConfig config = TestConfigs.with(Map.of(
                "rgrid.api.reconcile.interval", "0s",
                "rgrid.api.reconcile.grace", "-PT5M",
                "rgrid.api.reconcile.timeout", "0s",
                "rgrid.api.reconcile.batch-size", "1001"));
        assertThat(ConfigCheck.problems(config)).containsExactly(
                "rgrid.api.reconcile.interval must be a positive duration (e.g. 1m), not PT0S",
                "rgrid.api.reconcile.grace must be a positive duration (e.g. 5m), not PT-5M",
                "rgrid.api.reconcile.timeout must be a positive duration (e.g. 10s), not PT0S",
                "rgrid.api.reconcile.batch-size must be 1 to 1000 executions (e.g. 500), not 1001");
        assertThat(ConfigCheck.problems(TestConfigs.with(Map.of("rgrid.api.reconcile.batch-size", "0"))))
                .containsExactly("rgrid.api.reconcile.batch-size must be 1 to 1000 executions (e.g. 500), not 0");
    }

    @Test
    void aLogCapTooSmallForItsMarkerAndNoStreamsPerKeyAreRefusedByName() {
        RgridConfig config = TestConfigs.with(Map.of(
                "rgrid.logs.max-bytes", "4095",
                "rgrid.streams.max-per-key", "0"));
        assertThat(ConfigCheck.problems(config)).containsExactly(
                "rgrid.logs.max-bytes must be at least 4096 bytes (room for the truncation marker; default 67108864 = 64 MiB), not 4095",
                "rgrid.streams.max-per-key must be a positive number of streams (e.g. 8), not 0");
        assertThat(TestConfigs.defaults().logs().maxBytes()).isEqualTo(64L * 1024 * 1024);
        assertThat(TestConfigs.defaults().streams().maxPerKey()).isEqualTo(8);
    }
}
