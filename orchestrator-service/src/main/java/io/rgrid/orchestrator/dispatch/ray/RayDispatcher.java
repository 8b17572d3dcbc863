package io.rgrid.orchestrator.dispatch.ray;

import io.rgrid.model.ExecutionState;
import io.rgrid.model.Json;
import io.rgrid.model.agent.Assignment;
import io.rgrid.orchestrator.agent.AgentAnswers;
import io.rgrid.orchestrator.agent.AgentClient;
import io.rgrid.orchestrator.config.RgridConfig;
import io.rgrid.orchestrator.dispatch.AssignmentBuilder;
import io.rgrid.orchestrator.dispatch.DispatchPlanner;
import io.rgrid.orchestrator.dispatch.RayMode;
import io.rgrid.orchestrator.metrics.ClusterStats;
import io.rgrid.orchestrator.outbox.OutboxWriter;
import io.rgrid.orchestrator.queue.ExecutionRecord;
import io.rgrid.orchestrator.queue.ExecutionRepository;
import io.rgrid.orchestrator.queue.HeldExecutions;
import io.rgrid.orchestrator.queue.ExecutionTransitions;
import io.rgrid.orchestrator.registry.WorkerRecord;
import io.rgrid.orchestrator.registry.WorkerRepository;
import io.rgrid.platform.db.Transactions;
import io.rgrid.platform.leader.LeaderLease;
import io.rgrid.platform.signal.RoundLoop;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Ray dispatch mode ({@code RAY_ENABLED=true}; docs/ray.md). One thread, the only one calling
 * Ray:
 * <ol>
 *   <li><b>Dispatch.</b> Queued executions, as many as the live agents' pooled slots, CPUs and
 *       memory take, are recorded ASSIGNED with placement {@value #PLACEMENT} and their event
 *       first (as in agent mode), then submitted as Ray tasks asking for the execution's CPUs,
 *       memory and one {@code rgrid_worker}. Ray places each; the task hands the attempt to its
 *       node's agent. The agent's RUNNING report names the worker, which is then recorded, so the
 *       heartbeat and lost-worker rules of agent mode apply from there.</li>
 *   <li><b>Watch.</b> A task that returned FINISHED needs nothing (the agent reported the outcome).
 *       Any other end (the agent refused or was unreachable, the task's Ray worker or node died,
 *       Ray OOM-killed it; {@link TaskEndDecision}) takes the attempt back through
 *       {@link ExecutionTransitions#takeBack} (attempt + 1, or LOST), unless an agent says the
 *       attempt already finished.</li>
 *   <li><b>Fence</b> ({@link RayFences}, the answers read by {@link FenceDecision}). The new
 *       attempt is not submitted before the old one is stopped: once the requeue event is
 *       published, the agent that holds the old attempt (or, when the holder is not known yet,
 *       every live agent) is asked to cancel it, and the new attempt waits until
 *       each has answered that it does not hold it or that it finished. So two attempts of one
 *       execution never run at once, and the agent's CANCELLED report of the old attempt follows
 *       the requeue on the topic (stale for every reader).</li>
 * </ol>
 * Ray never retries a Java task; RGrid's requeue is the only retry. The pooled capacity a round
 * fills is {@link PoolPlanner}'s; the agents are reached through {@code agent.AgentClient}.
 */
@ApplicationScoped
public class RayDispatcher implements RayMode {

    private static final Logger LOG = Logger.getLogger(RayDispatcher.class);

    @Inject
    RgridConfig config;

    @Inject
    LeaderLease leader;

    @Inject
    AssignmentBuilder assignments;

    @Inject
    Transactions database;

    @Inject
    ExecutionRepository executions;

    @Inject
    HeldExecutions heldExecutions;

    @Inject
    ExecutionTransitions transitions;

    @Inject
    RayFences fences;

    @Inject
    WorkerRepository workers;

    @Inject
    OutboxWriter outbox;

    @Inject
    ClusterStats stats;

    @Inject
    AgentClient agents;

    private final AtomicBoolean workArrived = new AtomicBoolean(true);
    /** Attempts whose Ray task is in flight, by execution; and those whose user cancel was passed on. */
    private final Map<UUID, Integer> inFlight = new ConcurrentHashMap<>();
    private final Set<UUID> cancelPassedOn = ConcurrentHashMap.newKeySet();
    /**
     * Idle, the loop waits a tick, or the wait interval while fences are open; while tasks are
     * pending it goes on at once (each round's poll waits for them).
     */
    private final RoundLoop loop = new RoundLoop("ray-dispatcher", Duration.ofSeconds(10),
            () -> fences.isEmpty() ? config.orchestrator().dispatch().tick()
                    : config.orchestrator().ray().waitInterval(),
            this::round, e -> {
                LOG.warnf(e, "Ray dispatch round failed");
                return config.orchestrator().dispatch().tick();
            });
    private volatile RayGateway gateway;
    /** When the next dispatch round is due without new work (loop thread only). */
    private Instant nextDispatch;

    @Override
    public boolean active() {
        return gateway != null;
    }

    /**
     * Connects the Ray driver when {@code RAY_ENABLED=true}. Ray unreachable or not installed:
     * fails the start with the reason, or, with {@code rgrid.orchestrator.ray.fallback-to-agent},
     * logs it and leaves dispatch in agent mode.
     */
    public void connect() {
        RgridConfig.Ray ray = config.orchestrator().ray();
        if (!ray.enabled() || gateway != null) {
            return;
        }
        try {
            RayHeadAddress head = RayHeadAddress.parse(ray.headAddress());
            Path distJar = ray.distJar().orElseGet(() -> RayGateways.distJarIn(ray.venv()));
            if (distJar == null) {
                distJar = ray.venv().resolve("lib/python3.*/site-packages/ray/jars/ray_dist.jar");
            }
            String nodeIp = ray.nodeIp().orElse(head.host());
            if (!Files.isRegularFile(ray.taskJar())) {
                LOG.warnf("the Ray task jar %s is missing on this host; every Ray node needs it there "
                        + "(rgrid.orchestrator.ray.task-jar)", ray.taskJar());
            }
            long started = System.nanoTime();
            gateway = RayGateways.connect(distJar, head, nodeIp, ray.taskJar());
            LOG.infof("Ray dispatch mode: driver connected to %s as node %s with %s in %d ms", head, nodeIp, distJar,
                    (System.nanoTime() - started) / 1_000_000);
        } catch (IllegalArgumentException | RayGateways.RayUnavailableException e) {
            if (ray.fallbackToAgent()) {
                LOG.errorf("RAY_ENABLED=true but Ray is unavailable: %s. Dispatching in agent mode instead "
                        + "(rgrid.orchestrator.ray.fallback-to-agent=true).", e.getMessage());
                return;
            }
            throw new IllegalStateException("RAY_ENABLED=true but Ray is unavailable: " + e.getMessage()
                    + ". Fix that, set RAY_ENABLED=false, or set rgrid.orchestrator.ray.fallback-to-agent=true "
                    + "to dispatch in agent mode when Ray is down.", e);
        }
    }

    @Override
    public void wake() {
        workArrived.set(true);
        loop.wake();
    }

    /**
     * After a restart: attempts still recorded with placement {@value #PLACEMENT} lost their Ray
     * task with the old driver and no agent has reported them RUNNING here; they are fenced and
     * requeued. RUNNING ones name their agent and stay with the heartbeat rules of agent mode.
     */
    @Override
    public void recoverAtStart() {
        List<ExecutionRecord> placing = database.inTransaction(c -> heldExecutions.assigned(c)).stream()
                .filter(e -> PLACEMENT.equals(e.workerId())).toList();
        for (ExecutionRecord execution : placing) {
            takeBack(execution.id(), execution.attempt(), "its Ray task ended with the previous orchestrator");
        }
    }

    @Override
    public synchronized void start() {
        if (loop.running() || gateway == null) {
            return;
        }
        nextDispatch = Instant.MIN;
        // Ray's runtime reads its configuration through the context class loader.
        loop.start(RayGateways.loaderOf(gateway));
    }

    @Override
    public synchronized void stop() {
        loop.stop();
        RayGateway g = gateway;
        gateway = null;
        if (g != null) {
            Thread current = Thread.currentThread();
            ClassLoader previous = current.getContextClassLoader();
            current.setContextClassLoader(RayGateways.loaderOf(g));
            try {
                g.close();
            } catch (RuntimeException e) {
                LOG.warnf("Ray driver shutdown: %s", e.toString());
            } finally {
                current.setContextClassLoader(previous);
            }
        }
    }

    /**
     * One turn of the loop: a dispatch round when work arrived or a tick passed since the last,
     * the open fences moved on, then the ended tasks handled.
     *
     * @return true when tasks are pending: the loop goes on at once (the poll waited already)
     */
    private boolean round() {
        if (workArrived.getAndSet(false) || Instant.now().isAfter(nextDispatch)) {
            dispatchRound();
            nextDispatch = Instant.now().plus(config.orchestrator().dispatch().tick());
        }
        if (!fences.isEmpty() && fences.round()) {
            workArrived.set(true);
        }
        if (gateway.pending() == 0) {
            return false;
        }
        for (RayGateway.Ended ended : gateway.poll(config.orchestrator().ray().waitInterval())) {
            handle(ended);
        }
        return true;
    }

    /** Records and submits what the live agents' pooled capacity takes. */
    void dispatchRound() {
        if (!leader.isLeader()) {
            return; // a standby: the leader dispatches (Leadership)
        }
        passOnCancels();
        record Snapshot(List<ExecutionRecord> queued, List<WorkerRecord> workers,
                        Map<String, HeldExecutions.Held> held) {
        }
        Snapshot snapshot = database.inTransaction(c -> new Snapshot(
                executions.queued(c, DispatchPlanner.ROUND_LIMIT), workers.live(c), heldExecutions.heldPerWorker(c)));
        List<ExecutionRecord> queued = snapshot.queued().stream().filter(e -> !fences.holds(e.id())).toList();
        if (queued.isEmpty()) {
            return;
        }
        DispatchPlanner.Capacity pool = PoolPlanner.pool(snapshot.workers(), snapshot.held());
        if (pool.freeSlots() <= 0) {
            return;
        }
        Map<UUID, ExecutionRecord> byId = new LinkedHashMap<>();
        queued.forEach(e -> byId.put(e.id(), e));
        List<DispatchPlanner.Placement> placements = DispatchPlanner.plan(queued.stream()
                .map(e -> new DispatchPlanner.Candidate(e.id(), e.projectId(), e.spec().cpus(), e.spec().memoryMb()))
                .toList(), List.of(pool));
        List<ExecutionRecord> recorded = database.inTransaction(c -> {
            List<ExecutionRecord> out = new ArrayList<>();
            for (DispatchPlanner.Placement placement : placements) {
                Optional<ExecutionRecord> current = executions.lock(c, placement.executionId());
                if (current.isEmpty() || current.get().state() != ExecutionState.QUEUED) {
                    continue;
                }
                transitions.assign(c, current.get(), PLACEMENT);
                out.add(current.get().assignedTo(PLACEMENT, Instant.now()));
            }
            return out;
        });
        if (recorded.isEmpty()) {
            return;
        }
        outbox.flushSoon();
        for (ExecutionRecord execution : recorded) {
            if (execution.queuedAt() != null) {
                stats.dispatched(Duration.between(execution.queuedAt(), execution.assignedAt()));
            }
            submit(execution);
        }
    }

    private void submit(ExecutionRecord execution) {
        Assignment assignment = assignments.forAnyWorker(execution);
        try {
            String key = new TaskEndDecision.TaskKey(execution.id(), execution.attempt()).text();
            gateway.submit(key, execution.id().toString(), execution.attempt(),
                    execution.spec().cpus(), (long) execution.spec().memoryMb() * 1024 * 1024,
                    Json.mapper().writeValueAsString(assignment));
            inFlight.put(execution.id(), execution.attempt());
            LOG.debugf("submitted %s attempt %d to Ray", execution.id(), execution.attempt());
        } catch (IOException | RuntimeException e) {
            LOG.errorf("could not submit %s attempt %d to Ray: %s", execution.id(), execution.attempt(), e);
            takeBack(execution.id(), execution.attempt(), "its Ray task could not be submitted: " + e);
        }
    }

    private void handle(RayGateway.Ended ended) {
        TaskEndDecision.TaskKey key = TaskEndDecision.TaskKey.parse(ended.key());
        inFlight.remove(key.executionId(), key.attempt());
        cancelPassedOn.remove(key.executionId());
        TaskEndDecision.takeBackReason(ended.failed(), ended.failure(), ended.outcome()).ifPresentOrElse(
                why -> takeBack(key.executionId(), key.attempt(), why),
                () -> LOG.debugf("Ray task of %s attempt %d: %s", key.executionId(), key.attempt(), ended.outcome()));
    }

    /** Takes the attempt back and fences it ({@link RayFences#takeBack}); then dispatches again. */
    void takeBack(UUID id, int attempt, String why) {
        if (fences.takeBack(id, attempt, why)) {
            wake();
        }
    }

    /**
     * A user's cancel that arrived while Ray was still placing the attempt found no agent to tell
     * (the execution named no worker yet; {@code ExecutionCommandHandler} only marked it). Once the
     * agent's RUNNING report names the worker, the cancel is passed on to it here, once.
     */
    private void passOnCancels() {
        if (inFlight.isEmpty()) {
            return;
        }
        List<WorkerRecord> targets = new ArrayList<>();
        List<UUID> ids = new ArrayList<>();
        database.inTransaction(c -> {
            for (Map.Entry<UUID, Integer> entry : inFlight.entrySet()) {
                if (cancelPassedOn.contains(entry.getKey())) {
                    continue;
                }
                Optional<ExecutionRecord> execution = executions.find(c, entry.getKey());
                if (execution.isPresent() && execution.get().cancelRequested()
                        && execution.get().attempt() == entry.getValue()
                        && ExecutionState.ON_WORKER.contains(execution.get().state())
                        && execution.get().workerId() != null && !PLACEMENT.equals(execution.get().workerId())) {
                    Optional<WorkerRecord> worker = workers.find(c, execution.get().workerId());
                    if (worker.isPresent() && RayFences.reachable(worker.get())) {
                        targets.add(worker.get());
                        ids.add(entry.getKey());
                    }
                }
            }
            return null;
        });
        for (int i = 0; i < ids.size(); i++) {
            AgentAnswers.Cancel answer = agents.cancel(targets.get(i), ids.get(i));
            if (answer == AgentAnswers.Cancel.ACCEPTED || answer == AgentAnswers.Cancel.NOT_HELD) {
                cancelPassedOn.add(ids.get(i));
                LOG.infof("passed the cancel of %s on to worker %s (%s)", ids.get(i), targets.get(i).id(), answer);
            }
        }
    }

    /** Executions waiting for an old attempt to stop (for tests and metrics). */
    public Set<UUID> fenced() {
        return fences.fenced();
    }
}
