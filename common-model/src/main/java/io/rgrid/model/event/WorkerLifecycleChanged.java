package io.rgrid.model.event;

import java.time.Instant;

/**
 * A worker changed lifecycle state (orchestrator → api, so the API serves /workers).
 *
 * @param serverType     provider's machine type ("local", "cx23", ...)
 * @param createdAt      when the provider created it: the start of its billing hours
 * @param hourlyPriceEur its price per started hour
 */
public record WorkerLifecycleChanged(
        String workerId,
        WorkerState state,
        String provider,
        String serverType,
        Instant createdAt,
        double hourlyPriceEur,
        String detail) implements Event {

    @Override
    public String key() {
        return workerId;
    }
}
