package io.rgrid.api.config.check;

import io.quarkus.runtime.StartupEvent;
import io.rgrid.api.auth.ClientAddress;
import io.rgrid.api.config.RgridConfig;
import io.rgrid.model.api.KnownExecutions;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Refuses to start with a lifetime or interval that cannot work: a zero or negative session
 * lifetime would end every login at once, a zero retention would make Idempotency-Key useless
 * (service-platform's OutboxSettings checks the rgrid.outbox keys), a zero cleanup or reconciliation interval would
 * spin, a reconciliation batch above what the orchestrator answers would fail every round, a zero failure
 * limit would lock every caller out, and a trusted proxy that is not an address would trust nobody.
 */
@Singleton
public class ConfigCheck {

    void onStart(@Observes @Priority(1) StartupEvent event, RgridConfig config) {
        List<String> problems = problems(config);
        if (!problems.isEmpty()) {
            throw new IllegalStateException("invalid configuration: " + String.join("; ", problems));
        }
    }

    /** One message per setting out of range, naming the key; empty when all are fine. */
    /** The smallest log cap: the worker's marker line must fit with room to spare. */
    static final long MIN_LOG_BYTES = 4096;

    public static List<String> problems(RgridConfig config) {
        List<String> problems = new ArrayList<>();
        positive(problems, "rgrid.dashboard.session-ttl", config.dashboard().sessionTtl(), "12h");
        positive(problems, "rgrid.dashboard.session-idle-timeout", config.dashboard().sessionIdleTimeout(), "2h");
        positive(problems, "rgrid.api.idempotency-key-retention", config.api().idempotencyKeyRetention(), "24h");
        positive(problems, "rgrid.cleanup.interval", config.cleanup().interval(), "10m");
        positive(problems, "rgrid.cleanup.batch-size", config.cleanup().batchSize(), "rows (e.g. 1000)");
        RgridConfig.Reconcile reconcile = config.api().reconcile();
        positive(problems, "rgrid.api.reconcile.interval", reconcile.interval(), "1m");
        positive(problems, "rgrid.api.reconcile.grace", reconcile.grace(), "5m");
        positive(problems, "rgrid.api.reconcile.timeout", reconcile.timeout(), "10s");
        if (reconcile.batchSize() <= 0 || reconcile.batchSize() > KnownExecutions.MAX_IDS) {
            problems.add("rgrid.api.reconcile.batch-size must be 1 to " + KnownExecutions.MAX_IDS
                    + " executions (e.g. 500), not " + reconcile.batchSize());
        }
        RgridConfig.AuthFailures limits = config.api().authFailures();
        positive(problems, "rgrid.api.auth-failures.address-burst", limits.addressBurst(), "failures (e.g. 20)");
        positive(problems, "rgrid.api.auth-failures.address-per-minute", limits.addressPerMinute(), "failures (e.g. 10)");
        positive(problems, "rgrid.api.auth-failures.key-burst", limits.keyBurst(), "failures (e.g. 5)");
        positive(problems, "rgrid.api.auth-failures.key-per-minute", limits.keyPerMinute(), "failures (e.g. 2)");
        positive(problems, "rgrid.api.auth-failures.max-tracked", limits.maxTracked(), "entries (e.g. 10000)");
        positive(problems, "rgrid.api.auth-failures.verified-for", limits.verifiedFor(), "1h");
        for (String proxy : config.api().trustedProxies()) {
            if (ClientAddress.Cidr.parse(proxy).isEmpty()) {
                problems.add("rgrid.api.trusted-proxies must list IP addresses or CIDR ranges (e.g. 127.0.0.1/32,::1/128), not '"
                        + proxy + "'");
            }
        }
        if (config.logs().maxBytes() < MIN_LOG_BYTES) {
            problems.add("rgrid.logs.max-bytes must be at least " + MIN_LOG_BYTES
                    + " bytes (room for the truncation marker; default 67108864 = 64 MiB), not " + config.logs().maxBytes());
        }
        if (config.streams().maxPerKey() <= 0) {
            problems.add("rgrid.streams.max-per-key must be a positive number of streams (e.g. 8), not "
                    + config.streams().maxPerKey());
        }
        return problems;
    }

    private static void positive(List<String> problems, String key, int value, String example) {
        if (value <= 0) {
            problems.add(key + " must be a positive number of " + example + ", not " + value);
        }
    }

    private static void positive(List<String> problems, String key, Duration value, String example) {
        if (value.isZero() || value.isNegative()) {
            problems.add(key + " must be a positive duration (e.g. " + example + "), not " + value);
        }
    }
}
