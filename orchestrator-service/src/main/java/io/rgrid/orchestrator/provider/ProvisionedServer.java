package io.rgrid.orchestrator.provider;

import java.time.Instant;

/**
 * A server a provider created for a worker.
 *
 * @param handle         the provider's own id (Hetzner server id, local process id)
 * @param address        the agent's base URL as the provider configured it (null: the worker gets no work; a
 *                       heartbeat never supplies it)
 * @param createdAt      when the provider created it: billing hours count from here
 * @param serverType     the provider's machine type
 * @param hourlyPriceEur price per started hour
 */
public record ProvisionedServer(String workerId, String handle, String address, Instant createdAt, String serverType,
                                double hourlyPriceEur) {
}
