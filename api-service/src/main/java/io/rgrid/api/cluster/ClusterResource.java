package io.rgrid.api.cluster;

import io.rgrid.api.auth.Principal;
import io.rgrid.api.db.Transactions;
import io.rgrid.api.execution.repository.ExecutionRecord;
import io.rgrid.api.execution.repository.ExecutionRepository;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.api.ApiPaths;
import io.smallrye.common.annotation.Blocking;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code /api/v1/queue}, {@code /workers}, {@code /cost}: what the grid is doing, from the read model
 * the API keeps of {@code rgrid.cluster.v1} and from its own executions table. The queue is the
 * caller's project (the admin's: all); workers and cost are the grid's and the same for every key.
 */
@Path(ApiPaths.BASE)
@Blocking
@Produces(MediaType.APPLICATION_JSON)
public class ClusterResource {

    /** Why the oldest queued execution waits; {@code reason} is null when the orchestrator said nothing yet. */
    public record OldestQueued(UUID id, Instant createdAt, long waitingSeconds, String reason, Integer etaSeconds,
                               String detail) {
    }

    /** Non-terminal executions per state, plus the oldest queued one. */
    public record Queue(Map<String, Long> depth, OldestQueued oldest) {
    }

    public record Worker(String id, String state, String provider, String serverType, Instant createdAt,
                         double hourlyPriceEur, String detail, Instant updatedAt) {
    }

    public record Workers(List<Worker> items) {
    }

    /** {@code at} is null before the orchestrator published a snapshot. */
    public record Cost(Instant at, double totalEur, Map<String, Double> perWorkerEur) {
    }

    private final Transactions tx;
    private final ExecutionRepository executions;
    private final ClusterRepository cluster;

    public ClusterResource(Transactions tx, ExecutionRepository executions, ClusterRepository cluster) {
        this.tx = tx;
        this.executions = executions;
        this.cluster = cluster;
    }

    @GET
    @Path("queue")
    public Queue queue(RoutingContext context) {
        String scope = Principal.of(context).projectScope();
        return tx.read(c -> {
            Map<ExecutionState, Long> counts = executions.countActiveByState(c, scope);
            Map<String, Long> depth = new LinkedHashMap<>();
            for (ExecutionState s : List.of(ExecutionState.QUEUED, ExecutionState.ASSIGNED, ExecutionState.RUNNING)) {
                depth.put(s.name(), counts.getOrDefault(s, 0L));
            }
            Optional<ExecutionRecord> oldest = executions.oldestQueued(c, scope);
            OldestQueued o = null;
            if (oldest.isPresent()) {
                ExecutionRecord row = oldest.get();
                Optional<ClusterRepository.WaitRow> wait = cluster.waitOf(c, row.id());
                o = new OldestQueued(row.id(), row.createdAt(),
                        Math.max(0, Duration.between(row.createdAt(), Instant.now()).toSeconds()),
                        wait.map(ClusterRepository.WaitRow::reason).orElse(null),
                        wait.map(ClusterRepository.WaitRow::etaSeconds).orElse(null),
                        wait.map(ClusterRepository.WaitRow::detail).orElse(null));
            }
            return new Queue(depth, o);
        });
    }

    /** Known workers; {@code all=true} includes deleted ones. */
    @GET
    @Path("workers")
    public Workers workers(@QueryParam("all") boolean all) {
        return new Workers(tx.read(c -> cluster.workers(c, all)).stream()
                .map(w -> new Worker(w.workerId(), w.state(), w.provider(), w.serverType(), w.createdAt(), w.hourlyPriceEur(),
                        w.detail(), w.updatedAt()))
                .toList());
    }

    @GET
    @Path("cost")
    public Cost cost() {
        return tx.read(cluster::cost).map(r -> new Cost(r.at(), r.totalEur(), r.perWorkerEur()))
                .orElse(new Cost(null, 0, Map.of()));
    }
}
