package io.rgrid.orchestrator.dispatch.ray;

import io.rgrid.model.ExecutionState;
import io.rgrid.model.FailureReason;
import io.rgrid.model.Json;
import io.rgrid.model.agent.Assignment;
import io.rgrid.model.event.WorkerState;
import io.rgrid.orchestrator.agent.AgentAnswers;
import io.rgrid.orchestrator.agent.AgentClient;
import io.rgrid.orchestrator.config.RgridConfig;
import io.rgrid.orchestrator.dispatch.AssignmentBuilder;
import io.rgrid.orchestrator.dispatch.DispatchPlanner;
import io.rgrid.orchestrator.metrics.ClusterStats;
import io.rgrid.orchestrator.outbox.OutboxWriter;
import io.rgrid.orchestrator.queue.ExecutionRecord;
import io.rgrid.orchestrator.queue.ExecutionRepository;
import io.rgrid.orchestrator.queue.ExecutionTransitions;
import io.rgrid.orchestrator.queue.TakeBackCause;
import io.rgrid.orchestrator.registry.WorkerRecord;
import io.rgrid.orchestrator.registry.WorkerRepository;
import io.rgrid.platform.db.Transactions;
import io.rgrid.platform.signal.RoundLoop;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
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
 *       Ray OOM-killed it) takes the attempt back through {@link ExecutionTransitions#takeBack}
 *       (attempt + 1, or LOST), unless an agent says the attempt already finished.</li>
 *   <li><b>Fence.</b> The new attempt is not submitted before the old one is stopped: once the
 *       requeue event is published, the agent that holds the old attempt (or, when the holder is
 *       not known yet, every live agent) is asked to cancel it, and the new attempt waits until
 *       each has answered that it does not hold it or that it finished. So two attempts of one
 *       execution never run at once, and the agent's CANCELLED report of the old attempt follows
 *       the requeue on the topic (stale for every reader).</li>
 * </ol>
 * Ray never retries a Java task; RGrid's requeue is the only retry.
 */
@ApplicationScoped
public class RayDispatcher {

    /** The worker id recorded for an attempt Ray is placing, until its agent reports RUNNING. */
    public static final String PLACEMENT = "ray";

    private static final Logger LOG = Logger.getLogger(RayDispatcher.class);
    /** A fence gives up on an agent that stays unreachable this long (it is lost by then). */
    private static final Duration FENCE_GIVE_UP = Duration.ofMinutes(3);

    @Inject
    RgridConfig config;

    @Inject
    AssignmentBuilder assignments;

    @Inject
    Transactions database;

    @Inject
    ExecutionRepository executions;

    @Inject
    ExecutionTransitions transitions;

    @Inject
    WorkerRepository workers;

    @Inject
    OutboxWriter outbox;

    @Inject
    ClusterStats stats;

    @Inject
    AgentClient agents;

    private final AtomicBoolean workArrived = new AtomicBoolean(true);
    /** Attempts being stopped before their execution may be dispatched again, by execution. */
    private final Map<UUID, Fence> fences = new ConcurrentHashMap<>();
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

    /** True once the driver is connected: dispatch goes through Ray. */
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

    public void wake() {
        workArrived.set(true);
        loop.wake();
    }

    /**
     * After a restart: attempts still recorded with placement {@value #PLACEMENT} lost their Ray
     * task with the old driver and no agent has reported them RUNNING here; they are fenced and
     * requeued. RUNNING ones name their agent and stay with the heartbeat rules of agent mode.
     */
    public void recoverAtStart() {
        List<ExecutionRecord> placing = database.inTransaction(c -> executions.assigned(c)).stream()
                .filter(e -> PLACEMENT.equals(e.workerId())).toList();
        for (ExecutionRecord execution : placing) {
            takeBack(execution.id(), execution.attempt(), "its Ray task ended with the previous orchestrator");
        }
    }

    public synchronized void start() {
        if (loop.running() || gateway == null) {
            return;
        }
        nextDispatch = Instant.MIN;
        // Ray's runtime reads its configuration through the context class loader.
        loop.start(RayGateways.loaderOf(gateway));
    }

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
        if (!fences.isEmpty()) {
            fenceRound();
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
        passOnCancels();
        record Snapshot(List<ExecutionRecord> queued, List<WorkerRecord> workers,
                        Map<String, ExecutionRepository.Held> held) {
        }
        Snapshot snapshot = database.inTransaction(c -> new Snapshot(
                executions.queued(c, DispatchPlanner.ROUND_LIMIT), workers.live(c), executions.heldPerWorker(c)));
        List<ExecutionRecord> queued = snapshot.queued().stream().filter(e -> !fences.containsKey(e.id())).toList();
        if (queued.isEmpty()) {
            return;
        }
        int slots = 0;
        double cpus = 0;
        int memory = 0;
        for (WorkerRecord worker : snapshot.workers()) {
            if (worker.acceptsWork()) {
                ExecutionRepository.Held mine = snapshot.held().getOrDefault(worker.id(), ExecutionRepository.Held.NONE);
                slots += worker.slots() - mine.count();
                cpus += worker.totalCpus() - mine.cpus();
                memory += worker.totalMemoryMb() - mine.memoryMb();
            }
        }
        ExecutionRepository.Held placing = snapshot.held().getOrDefault(PLACEMENT, ExecutionRepository.Held.NONE);
        DispatchPlanner.Capacity pool = new DispatchPlanner.Capacity(PLACEMENT, slots - placing.count(),
                cpus - placing.cpus(), memory - placing.memoryMb());
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
        Assignment assignment = assignments.of(execution);
        try {
            gateway.submit(key(execution.id(), execution.attempt()), execution.id().toString(), execution.attempt(),
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
        int hash = ended.key().lastIndexOf('#');
        UUID id = UUID.fromString(ended.key().substring(0, hash));
        int attempt = Integer.parseInt(ended.key().substring(hash + 1));
        inFlight.remove(id, attempt);
        cancelPassedOn.remove(id);
        if (ended.failed()) {
            takeBack(id, attempt, "its Ray task failed: " + ended.failure());
        } else if (ended.outcome() != null && ended.outcome().startsWith("FINISHED")) {
            LOG.debugf("Ray task of %s attempt %d: %s", id, attempt, ended.outcome());
        } else {
            takeBack(id, attempt, "its Ray task ended " + ended.outcome());
        }
    }

    /**
     * Takes the attempt back (attempt + 1, or LOST/CANCELLED) and fences it, unless it is no
     * longer current or an agent says it has already finished (its outcome report is on its way).
     */
    void takeBack(UUID id, int attempt, String why) {
        Optional<ExecutionRecord> seen = database.inTransaction(c -> executions.find(c, id));
        if (seen.isEmpty() || seen.get().attempt() != attempt || !ExecutionState.ON_WORKER.contains(seen.get().state())) {
            return;
        }
        List<WorkerRecord> holders = possibleHolders(seen.get());
        for (WorkerRecord worker : holders) {
            if (agents.attempt(worker, id, attempt) == AgentAnswers.Attempt.FINISHED) {
                LOG.infof("%s attempt %d: %s, but worker %s has finished it; its report decides", id, attempt, why,
                        worker.id());
                return;
            }
        }
        Fence fence = new Fence(id, attempt, new HashMap<>(), Instant.now());
        holders.forEach(w -> fence.targets().put(w.id(), Fence.Step.CANCEL));
        fences.put(id, fence);
        boolean taken = false;
        try {
            taken = database.inTransaction(c -> {
                Optional<ExecutionRecord> current = executions.lock(c, id);
                if (current.isEmpty() || current.get().attempt() != attempt
                        || !ExecutionState.ON_WORKER.contains(current.get().state())) {
                    return false;
                }
                transitions.takeBack(c, current.get(), FailureReason.WORKER_LOST, TakeBackCause.RAY_TASK,
                        "attempt " + attempt + ": " + why);
                return true;
            });
        } finally {
            if (!taken) {
                fences.remove(id);
            }
        }
        LOG.warnf("%s attempt %d taken back: %s; stopping it on %s before the next attempt", id, attempt, why,
                fence.targets().isEmpty() ? "no agent (none is live)" : fence.targets().keySet());
        outbox.flushSoon();
        wake();
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
                    if (worker.isPresent() && reachable(worker.get())) {
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

    /** The agent that reported the attempt RUNNING, or, while Ray is still placing it, every live agent. */
    private List<WorkerRecord> possibleHolders(ExecutionRecord execution) {
        return database.inTransaction(c -> {
            if (execution.workerId() != null && !PLACEMENT.equals(execution.workerId())) {
                return workers.find(c, execution.workerId()).filter(RayDispatcher::reachable).stream().toList();
            }
            return workers.live(c).stream().filter(RayDispatcher::reachable).toList();
        });
    }

    private static boolean reachable(WorkerRecord worker) {
        return (worker.state() == WorkerState.READY || worker.state() == WorkerState.DRAINING)
                && worker.address() != null && worker.token() != null;
    }

    /** Moves each fence on: wait for the requeue's event, cancel at each target, wait for its end. */
    private void fenceRound() {
        for (Fence fence : List.copyOf(fences.values())) {
            if (!fence.published()) {
                if (unpublished(fence.executionId())) {
                    continue;
                }
                fence.markPublished();
            }
            Map<String, WorkerRecord> current = new HashMap<>();
            database.inTransaction(c -> {
                for (String workerId : fence.targets().keySet()) {
                    workers.find(c, workerId).ifPresent(w -> current.put(workerId, w));
                }
                return null;
            });
            boolean overdue = fence.since().plus(FENCE_GIVE_UP).isBefore(Instant.now());
            for (Map.Entry<String, Fence.Step> target : List.copyOf(fence.targets().entrySet())) {
                WorkerRecord worker = current.get(target.getKey());
                if (worker == null || !reachable(worker)) {
                    fence.targets().remove(target.getKey()); // lost or gone: the health monitor's
                    continue;
                }
                if (target.getValue() == Fence.Step.CANCEL) {
                    AgentAnswers.Cancel answer = agents.cancel(worker, fence.executionId());
                    if (answer == AgentAnswers.Cancel.NOT_HELD) {
                        fence.targets().remove(target.getKey());
                    } else if (answer == AgentAnswers.Cancel.ACCEPTED) {
                        target.setValue(Fence.Step.AWAIT_END);
                    }
                }
                if (target.getValue() == Fence.Step.AWAIT_END) {
                    AgentAnswers.Attempt state = agents.attempt(worker, fence.executionId(), fence.attempt());
                    if (state == AgentAnswers.Attempt.FINISHED || state == AgentAnswers.Attempt.UNKNOWN) {
                        fence.targets().remove(target.getKey());
                    }
                }
                if (overdue && fence.targets().containsKey(target.getKey())) {
                    LOG.errorf("%s attempt %d: worker %s has not confirmed its end within %s; releasing the "
                            + "next attempt anyway", fence.executionId(), fence.attempt(), worker.id(), FENCE_GIVE_UP);
                    fence.targets().remove(target.getKey());
                }
            }
            if (fence.targets().isEmpty()) {
                fences.remove(fence.executionId());
                LOG.infof("%s attempt %d is stopped everywhere; the next attempt may run", fence.executionId(),
                        fence.attempt());
                workArrived.set(true);
            }
        }
    }

    private boolean unpublished(UUID executionId) {
        return database.inTransaction(c -> {
            try (PreparedStatement select = c.prepareStatement(
                    "SELECT 1 FROM outbox WHERE published_at IS NULL AND key = ? LIMIT 1")) {
                select.setString(1, executionId.toString());
                try (ResultSet rows = select.executeQuery()) {
                    return rows.next();
                }
            }
        });
    }

    static String key(UUID executionId, int attempt) {
        return executionId + "#" + attempt;
    }

    /** Executions waiting for an old attempt to stop (for tests and metrics). */
    public Set<UUID> fenced() {
        return Set.copyOf(fences.keySet());
    }
}
