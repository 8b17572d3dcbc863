package io.rgrid.worker.heartbeat;

import io.rgrid.model.agent.AgentApi;
import io.rgrid.model.agent.AgentHealth;
import io.rgrid.worker.assignment.service.AssignmentService;
import io.rgrid.worker.assignment.service.Capacity;
import io.rgrid.worker.config.AgentIdentity;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** {@code GET /v1/health}: the same facts a heartbeat carries, on demand. */
@Path(AgentApi.HEALTH)
@Produces(MediaType.APPLICATION_JSON)
public class HealthResource {

    public static final String UP = "UP";
    public static final String DRAINING = "DRAINING";

    private final AgentIdentity identity;
    private final AssignmentService assignments;

    @Inject
    public HealthResource(AgentIdentity identity, AssignmentService assignments) {
        this.identity = identity;
        this.assignments = assignments;
    }

    @GET
    public AgentHealth health() {
        Capacity capacity = assignments.capacity();
        return new AgentHealth(identity.workerId(), capacity.draining() ? DRAINING : UP, capacity.slots(),
                capacity.freeSlots(), assignments.runtimeName(), identity.version(), capacity.draining());
    }
}
