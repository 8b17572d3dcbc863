package io.rgrid.orchestrator.registry;

import io.rgrid.model.event.WorkerState;
import io.rgrid.orchestrator.provider.ProvisioningTimeline;
import io.rgrid.orchestrator.queue.ExecutionRecord;
import io.rgrid.orchestrator.queue.HeldExecutions;
import io.rgrid.platform.db.Transactions;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@code GET /v1/workers}: the orchestrator's view of its workers, for debugging. Users see
 * workers through api-service (fed by rgrid.cluster.v1). Tokens are never shown.
 */
@Path("/v1/workers")
public class WorkersResource {

    /**
     * One worker as shown; {@code held} counts the executions the orchestrator placed on it;
     * {@code timeline} when it reached each provisioning step (requested, created, running,
     * ssh_ready, first_heartbeat), for workers provisioned since this orchestrator started.
     */
    public record WorkerView(String id, String provider, String providerHandle, WorkerState state, String stateDetail,
                             String address, String serverType, double hourlyPriceEur, int slots, int held,
                             double freeCpus, int freeMemoryMb, String runtime, String agentVersion,
                             Instant createdAt, Instant lastHeartbeatAt, Map<String, Instant> timeline) {
    }

    @Inject
    ProvisioningTimeline timeline;

    @Inject
    Transactions database;

    @Inject
    WorkerRepository workers;

    @Inject
    HeldExecutions heldExecutions;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public List<WorkerView> list() {
        return database.inTransaction(c -> {
            Map<String, Long> held = heldExecutions.allOnWorkers(c).stream()
                    .collect(Collectors.groupingBy(ExecutionRecord::workerId, Collectors.counting()));
            return workers.all(c).stream()
                    .map(w -> new WorkerView(w.id(), w.provider(), w.providerHandle(), w.state(), w.stateDetail(),
                            w.address(), w.serverType(), w.hourlyPriceEur(), w.slots(),
                            held.getOrDefault(w.id(), 0L).intValue(), w.freeCpus(), w.freeMemoryMb(), w.runtime(),
                            w.agentVersion(), w.createdAt(), w.lastHeartbeatAt(), timeline.of(w.id())))
                    .toList();
        });
    }
}
