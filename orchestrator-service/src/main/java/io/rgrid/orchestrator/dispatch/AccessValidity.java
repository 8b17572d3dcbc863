package io.rgrid.orchestrator.dispatch;

import io.rgrid.platform.storage.StoragePresigner;

import java.time.Duration;

/**
 * How long an assignment's storage access stays valid: the execution's timeout plus
 * {@code rgrid.storage.access-margin}, at most {@link StoragePresigner#MAX_VALIDITY}. Pure:
 * {@code AccessValidityTest} tables it.
 */
final class AccessValidity {

    private AccessValidity() {
    }

    static Duration of(int timeoutSeconds, Duration margin) {
        Duration wanted = Duration.ofSeconds(Math.max(0, timeoutSeconds)).plus(margin);
        return wanted.compareTo(StoragePresigner.MAX_VALIDITY) > 0 ? StoragePresigner.MAX_VALIDITY : wanted;
    }
}
