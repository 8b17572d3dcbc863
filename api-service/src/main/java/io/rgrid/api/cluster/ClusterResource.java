package io.rgrid.api.cluster;

import io.rgrid.api.auth.Principal;
import io.rgrid.api.config.RgridConfig;
import io.rgrid.api.error.ApiException;
import io.rgrid.api.execution.repository.ExecutionRecord;
import io.rgrid.api.execution.repository.ExecutionRepository;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.api.ApiPaths;
import io.rgrid.model.api.ErrorCode;
import io.rgrid.platform.db.Transactions;
import io.smallrye.common.annotation.Blocking;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code /api/v1/queue}, {@code /workers}, {@code /cost}: what the grid is doing, from the read model
 * the API keeps of {@code rgrid.cluster.v1} and from its own executions table. The queue is the
 * caller's project (the admin's: all); workers and cost are the grid's and the same for every key,
 * except that a project key sees each {@code detail} without hosts, addresses and paths
 * ({@link DetailRedaction}).
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

    /**
     * A worker. From its latest heartbeat (null before the first): {@code lastHeartbeatAt},
     * {@code heartbeatAgeSeconds}, {@code slots}, {@code slotsInUse}. {@code uptimeSeconds} counts
     * from {@code createdAt} (the start of its billing), {@code billingHourSeconds} is how far it is
     * into its current paid hour, {@code costEur} its cost so far from the latest cost snapshot.
     */
    public record Worker(String id, String state, String provider, String serverType, Instant createdAt,
                         double hourlyPriceEur, String detail, Instant updatedAt, Instant lastHeartbeatAt,
                         Long heartbeatAgeSeconds, Integer slots, Integer slotsInUse, Long uptimeSeconds,
                         Long billingHourSeconds, Double costEur) {
    }

    /** Queue depth at one sample time. */
    public record QueueSample(Instant at, int queued, int assigned, int running) {
    }

    /** The caller's queue depth (the admin's: the grid's) over the last {@code minutes}, oldest first. */
    public record QueueHistory(Instant from, Instant to, long intervalSeconds, List<QueueSample> samples) {
    }

    /** What the grid cost on one UTC day. */
    public record CostDayView(LocalDate day, double eur) {
    }

    /** Cost per UTC day, oldest first, every day of the range (0 where nothing was spent). */
    public record CostDaily(List<CostDayView> items, double totalEur) {
    }

    public record Workers(List<Worker> items) {
    }

    /** {@code at} is null before the orchestrator published a snapshot. */
    public record Cost(Instant at, double totalEur, Map<String, Double> perWorkerEur) {
    }

    private final Transactions tx;
    private final ExecutionRepository executions;
    private final ClusterRepository cluster;

    private final RgridConfig config;

    public ClusterResource(Transactions tx, ExecutionRepository executions, ClusterRepository cluster,
                           RgridConfig config) {
        this.tx = tx;
        this.executions = executions;
        this.cluster = cluster;
        this.config = config;
    }

    @GET
    @Path("queue")
    public Queue queue(RoutingContext context) {
        return queue(Principal.of(context).projectScope());
    }

    /** The queue of one project, or (null) of every project. */
    public Queue queue(String scope) {
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
                        wait.map(ClusterRepository.WaitRow::detail).map(d -> scope == null ? d : DetailRedaction.redact(d))
                                .orElse(null));
            }
            return new Queue(depth, o);
        });
    }

    /** Known workers; {@code all=true} includes deleted ones. */
    @GET
    @Path("workers")
    public Workers workers(@QueryParam("all") boolean all, RoutingContext context) {
        return workers(all, Instant.now(), Principal.of(context).admin());
    }

    /**
     * The workers as {@code /workers} shows them at {@code now} (also for the dashboard's event
     * stream); {@code admin} sees each {@code detail} as the orchestrator wrote it.
     */
    public Workers workers(boolean all, Instant now, boolean admin) {
        record Read(List<ClusterRepository.WorkerRow> workers, Map<String, ClusterRepository.HeartbeatRow> beats,
                    Optional<ClusterRepository.CostRow> cost) {
        }
        Read read = tx.read(c -> new Read(cluster.workers(c, all), cluster.heartbeats(c), cluster.cost(c)));
        Map<String, Double> perWorker = read.cost().map(ClusterRepository.CostRow::perWorkerEur).orElse(Map.of());
        return new Workers(read.workers().stream().map(w -> {
            ClusterRepository.HeartbeatRow beat = read.beats().get(w.workerId());
            Long uptime = w.createdAt() == null ? null : Math.max(0, Duration.between(w.createdAt(), now).toSeconds());
            return new Worker(w.workerId(), w.state(), w.provider(), w.serverType(), w.createdAt(), w.hourlyPriceEur(),
                    admin ? w.detail() : DetailRedaction.redact(w.detail()), w.updatedAt(),
                    beat == null ? null : beat.at(),
                    beat == null ? null : Math.max(0, Duration.between(beat.at(), now).toSeconds()),
                    beat == null ? null : beat.slots(),
                    beat == null ? null : beat.running(),
                    uptime,
                    uptime == null ? null : uptime % 3600,
                    perWorker.get(w.workerId()));
        }).toList());
    }

    /** Queue depth samples of the last {@code minutes} (1-1440, default 60), for the caller's project (admin: all). */
    @GET
    @Path("queue/history")
    public QueueHistory queueHistory(@QueryParam("minutes") String minutesParam, RoutingContext context) {
        int minutes = wholeNumber("minutes", minutesParam, 60, 1, 1440);
        String scope = Principal.of(context).projectScope();
        Instant to = Instant.now();
        Instant from = to.minus(Duration.ofMinutes(minutes));
        List<QueueSample> samples = tx.read(c -> cluster.queueSamples(c, scope, from)).stream()
                .map(q -> new QueueSample(q.at(), q.queued(), q.assigned(), q.running())).toList();
        return new QueueHistory(from, to, config.dashboard().queueSampleInterval().toSeconds(), samples);
    }

    /**
     * What the grid cost per UTC day over the last {@code days} (1-366, default 14), from the
     * running totals of the orchestrator's cost snapshots: a day's cost is its last total minus
     * the previous day's. The grid's, the same for every key (like {@code /cost}).
     */
    @GET
    @Path("cost/daily")
    public CostDaily costDaily(@QueryParam("days") String daysParam) {
        int days = wholeNumber("days", daysParam, 14, 1, 366);
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        LocalDate first = today.minusDays(days - 1L);
        List<ClusterRepository.CostDay> rows = tx.read(c -> cluster.costDays(c, first));
        Map<LocalDate, Double> totals = new HashMap<>();
        double before = 0;
        for (ClusterRepository.CostDay row : rows) {
            if (row.day().isBefore(first)) {
                before = row.totalEur();
            } else {
                totals.put(row.day(), row.totalEur());
            }
        }
        List<CostDayView> items = new ArrayList<>();
        double previous = before;
        double sum = 0;
        for (LocalDate day = first; !day.isAfter(today); day = day.plusDays(1)) {
            Double total = totals.get(day);
            double eur = 0;
            if (total != null) {
                eur = Math.max(0, Math.round((total - previous) * 10_000) / 10_000.0);
                previous = Math.max(previous, total);
            }
            sum += eur;
            items.add(new CostDayView(day, eur));
        }
        return new CostDaily(items, Math.round(sum * 10_000) / 10_000.0);
    }

    private static int wholeNumber(String name, String value, int defaultValue, int min, int max) {
        if (value == null) {
            return defaultValue;
        }
        try {
            int n = Integer.parseInt(value.trim());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new ApiException(ErrorCode.MALFORMED_REQUEST,
                name + " must be a whole number from " + min + " to " + max);
    }

    @GET
    @Path("cost")
    public Cost cost() {
        return latestCost();
    }

    /** The latest cost snapshot (zero before the first). */
    public Cost latestCost() {
        return tx.read(cluster::cost).map(r -> new Cost(r.at(), r.totalEur(), r.perWorkerEur()))
                .orElse(new Cost(null, 0, Map.of()));
    }
}
