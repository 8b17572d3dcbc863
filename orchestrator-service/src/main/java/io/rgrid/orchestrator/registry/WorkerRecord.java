package io.rgrid.orchestrator.registry;

import io.rgrid.model.event.WorkerState;
import io.rgrid.orchestrator.agent.AgentTarget;
import io.rgrid.scaling.CostCalculator;

import java.time.Instant;

/**
 * A worker as the orchestrator knows it. {@code totalCpus}/{@code totalMemoryMb} are its
 * capacity, derived at each heartbeat (free + what the attempts it holds reserve); {@code deletedAt}
 * ends its billing. It is the {@link AgentTarget} its agent is reached by and what its cost
 * is computed from.
 */
public record WorkerRecord(
        String id,
        String provider,
        String providerHandle,
        String serverType,
        double hourlyPriceEur,
        String address,
        String token,
        WorkerState state,
        String stateDetail,
        int slots,
        double freeCpus,
        int freeMemoryMb,
        double totalCpus,
        int totalMemoryMb,
        String runtime,
        String agentVersion,
        Instant createdAt,
        Instant lastHeartbeatAt,
        Instant deletedAt) implements AgentTarget, CostCalculator.Billed {

    /** Ready to be given work: READY, reachable and holding a token the orchestrator issued. */
    public boolean acceptsWork() {
        return state == WorkerState.READY && address != null && token != null;
    }
}
