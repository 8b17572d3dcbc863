package io.rgrid.orchestrator.autoscaling;

import io.rgrid.model.ExecutionState;
import io.rgrid.model.Ids;
import io.rgrid.model.capacity.MachineFit;
import io.rgrid.model.event.ExecutionWaiting;
import io.rgrid.model.event.GridCapacityChanged;
import io.rgrid.model.event.MachineType;
import io.rgrid.model.event.WaitReason;
import io.rgrid.model.event.WorkerState;
import io.rgrid.orchestrator.config.RgridConfig;
import io.rgrid.orchestrator.dispatch.DispatchPlanner;
import io.rgrid.orchestrator.dispatch.RayMode;
import io.rgrid.orchestrator.metrics.ClusterStats;
import io.rgrid.orchestrator.outbox.OutboxWriter;
import io.rgrid.orchestrator.provider.CloudProvider;
import io.rgrid.orchestrator.provider.ProvisionedServer;
import io.rgrid.orchestrator.provider.ProvisioningException;
import io.rgrid.orchestrator.provider.ProvisioningTimeline;
import io.rgrid.orchestrator.queue.ExecutionRecord;
import io.rgrid.orchestrator.queue.ExecutionRepository;
import io.rgrid.orchestrator.queue.HeldExecutions;
import io.rgrid.orchestrator.queue.ExecutionTransitions;
import io.rgrid.orchestrator.registry.WorkerLifecycle;
import io.rgrid.orchestrator.registry.WorkerRecord;
import io.rgrid.orchestrator.registry.WorkerRepository;
import io.rgrid.platform.db.Transactions;
import io.rgrid.scaling.ClusterSnapshot;
import io.rgrid.scaling.MachineChoice;
import io.rgrid.scaling.ScalingPlan;
import io.rgrid.scaling.ScalingPolicy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Applies {@link ScalingPolicy} each tick: builds the snapshot, provisions what the plan asks
 * through the {@link CloudProvider}, and tells waiting users why (ExecutionWaiting). The worker
 * is recorded PROVISIONING, with the id and token the orchestrator issues, before the provider is
 * called. A failed provisioning marks the record DELETED and pauses scaling for a back-off.
 */
@ApplicationScoped
public class Autoscaler {

    private static final Logger LOG = Logger.getLogger(Autoscaler.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    @Inject
    RgridConfig config;

    @Inject
    Transactions database;

    @Inject
    ExecutionRepository executions;

    @Inject
    HeldExecutions heldExecutions;

    @Inject
    WorkerRepository workers;

    @Inject
    WorkerLifecycle lifecycle;

    @Inject
    CloudProvider provider;

    @Inject
    OutboxWriter outbox;

    @Inject
    ExecutionTransitions transitions;

    @Inject
    ClusterStats stats;

    @Inject
    ProvisioningTimeline timeline;

    private volatile Instant pausedUntil = Instant.MIN;
    /** The execution last told it waits for provisioning, so the event is sent once, not every tick. */
    private volatile String lastWaitingReported;
    /** The machine types last published (GridCapacityChanged); null until the first tick. */
    private volatile List<MachineType> lastPublishedTypes;

    public void tick() {
        // Outside any transaction: the hetzner provider may ask /server_types (cached for an hour).
        List<MachineType> types = provider.machineTypes();
        publishCapacity(types);
        Loaded loaded = load(Instant.now(), types);
        ScalingPlan plan = ScalingPolicy.decide(loaded.snapshot);
        failUnschedulable(plan.choice().unschedulable());
        if (provider.scalable() && Instant.now().isAfter(pausedUntil)) {
            for (int i = 0; i < plan.provision(); i++) {
                LOG.infof("provisioning a worker: %s", plan.reason());
                if (!provisionOne(plan.machines().isEmpty() ? null : plan.machines().get(i))) {
                    break;
                }
            }
            for (String workerId : plan.terminate()) {
                LOG.infof("terminating worker %s: %s", workerId, plan.reason());
                drainAndTerminate(workerId);
            }
            if (!plan.isEmpty()) {
                loaded = load(Instant.now(), types);
                plan = ScalingPolicy.decide(loaded.snapshot);
            }
        }
        reportWaiting(loaded, plan.choice());
    }

    private Loaded load(Instant now, List<MachineType> types) {
        return database.inTransaction(c -> {
            List<WorkerRecord> live = workers.live(c).stream().filter(w -> w.state() != WorkerState.LOST).toList();
            Map<String, HeldExecutions.Held> held = heldExecutions.heldPerWorker(c);
            List<ClusterSnapshot.Worker> view = live.stream().map(w -> view(w, held, types)).toList();
            List<ExecutionRecord> queued = executions.queued(c, DispatchPlanner.ROUND_LIMIT);
            List<MachineChoice.Demand> demands = queued.stream().map(Autoscaler::demand).toList();
            // Ray mode: attempts Ray is placing wait for a node with rgrid_worker, which only a worker brings.
            List<MachineChoice.Demand> placing = held.containsKey(RayMode.PLACEMENT)
                    ? heldExecutions.onWorker(c, RayMode.PLACEMENT).stream()
                            .filter(e -> e.state() == ExecutionState.ASSIGNED).map(Autoscaler::demand).toList()
                    : List.of();
            RgridConfig.Scaling scaling = config.orchestrator().scaling();
            ClusterSnapshot snapshot = new ClusterSnapshot(executions.countQueued(c), view, scaling.queueThreshold(),
                    scaling.maxWorkers(), scaling.minWorkers(), scaling.billingPeriod(), scaling.terminateWindow(),
                    now, demands, types, placing);
            // The round's order interleaves projects; the oldest is the one submitted first.
            ExecutionRecord oldest = queued.stream().min(Comparator.comparing(ExecutionRecord::submittedAt,
                    Comparator.nullsLast(Comparator.naturalOrder()))).orElse(null);
            stats.queueDepth(snapshot.queued());
            stats.workers(live.stream().collect(Collectors.groupingBy(WorkerRecord::state, Collectors.counting())));
            return new Loaded(snapshot, live, oldest);
        });
    }

    private static MachineChoice.Demand demand(ExecutionRecord e) {
        return new MachineChoice.Demand(e.id(), e.spec().cpus(), e.spec().memoryMb(), e.spec().machine());
    }

    /**
     * A worker as the policy sees it: its size from its heartbeat once it has one (what its agent
     * really offers), else from its machine type (a booting worker).
     */
    private static ClusterSnapshot.Worker view(WorkerRecord w, Map<String, HeldExecutions.Held> held,
                                               List<MachineType> types) {
        MachineType type = types.stream().filter(t -> t.name().equals(w.serverType())).findFirst().orElse(null);
        boolean reported = w.totalCpus() > 0 && w.totalMemoryMb() > 0;
        double cpus = reported ? w.totalCpus() : type == null ? 0 : type.cpus();
        int memoryMb = reported ? w.totalMemoryMb() : type == null ? 0 : type.memoryMb();
        return new ClusterSnapshot.Worker(w.id(), w.state(), w.createdAt(),
                held.getOrDefault(w.id(), HeldExecutions.Held.NONE).count(), w.serverType(), cpus, memoryMb);
    }

    /** Tells api-service the grid's machine types (GridCapacityChanged) at start and whenever they change. */
    private void publishCapacity(List<MachineType> types) {
        if (types.equals(lastPublishedTypes)) {
            return;
        }
        database.inTransaction(c -> {
            outbox.append(c, new GridCapacityChanged(provider.name(), types));
            return null;
        });
        lastPublishedTypes = types;
        outbox.flushSoon();
        LOG.infof("machine types of the grid: %s", types.isEmpty() ? "unknown" : types);
    }

    /**
     * Fails each queued execution no worker and no allowed machine type can hold any more (QUEUED →
     * FAILED, UNSCHEDULABLE, with the reason naming what the grid can run) instead of letting it wait
     * for ever. Only once it has been queued for a scaling interval: a cancel sent right behind the
     * submission still ends it CANCELLED, as the user asked.
     */
    private void failUnschedulable(List<MachineChoice.Refusal> refusals) {
        if (refusals.isEmpty()) {
            return;
        }
        Instant settled = Instant.now().minus(config.orchestrator().scaling().interval());
        database.inTransaction(c -> {
            for (MachineChoice.Refusal refusal : refusals) {
                var current = executions.lock(c, refusal.executionId());
                if (current.isPresent() && current.get().state() == ExecutionState.QUEUED
                        && (current.get().queuedAt() == null || current.get().queuedAt().isBefore(settled))) {
                    transitions.failUnschedulable(c, current.get(), refusal.reason());
                }
            }
            return null;
        });
        outbox.flushSoon();
    }

    /**
     * Records, then creates, one worker of {@code type} (null: the provider's default type), and
     * tells the execution it is created for that it is being provisioned.
     *
     * @return false when provisioning failed
     */
    boolean provisionOne(MachineChoice.NewMachine machine) {
        CloudProvider.ServerOffer offer = machine == null ? provider.offer() : provider.offer(machine.type());
        String workerId = Ids.newWorkerId();
        String token = newToken();
        WorkerRecord record = new WorkerRecord(workerId, provider.name(), null, offer.serverType(),
                offer.hourlyPriceEur(), null, token, WorkerState.PROVISIONING, "provisioning", 0, 0, 0, 0, 0, null,
                null, Instant.now(), null, null);
        database.inTransaction(c -> {
            lifecycle.recordNew(c, record);
            return null;
        });
        outbox.flushSoon();
        timeline.mark(workerId, ProvisioningTimeline.Phase.REQUESTED);
        try {
            // Bounded: the hetzner provider returns once the server exists and boots it on its own threads.
            ProvisionedServer server = provider.provision(new CloudProvider.ProvisionRequest(workerId, token,
                    machine == null ? null : machine.type()));
            timeline.mark(workerId, ProvisioningTimeline.Phase.CREATED);
            database.inTransaction(c -> {
                workers.recordProvisioned(c, workerId, server.handle(), server.address(), server.serverType(),
                        server.hourlyPriceEur(), server.createdAt());
                return null;
            });
            stats.provisioned();
            if (machine != null && machine.forExecution() != null) {
                MachineType type = machine.type();
                database.inTransaction(c -> {
                    outbox.append(c, new ExecutionWaiting(machine.forExecution(), WaitReason.PROVISIONING,
                            (int) offer.expectedBootTime().toSeconds(), "provisioning a " + type.name() + " ("
                            + MachineFit.describe(type) + ") for it: worker " + workerId, type.name()));
                    return null;
                });
                outbox.flushSoon();
            }
            return true;
        } catch (ProvisioningException | RuntimeException e) {
            Duration backoff = config.orchestrator().scaling().failureBackoff();
            pausedUntil = Instant.now().plus(backoff);
            stats.provisioningFailed();
            LOG.errorf("could not provision worker %s: %s (next try in %s)", workerId, e.getMessage(), backoff);
            database.inTransaction(c -> {
                var current = workers.lock(c, workerId);
                if (current.isPresent()) {
                    lifecycle.change(c, current.get(), WorkerState.DELETED, "provisioning failed: " + e.getMessage());
                }
                return null;
            });
            outbox.flushSoon();
            return false;
        }
    }

    /**
     * Drain before delete: in one transaction, with the worker's row locked (the dispatcher locks
     * it too before it records an assignment, so no assignment can slip in between), check it is
     * still READY or DRAINING and holds nothing, and mark it DRAINING; only then ask the provider to
     * delete it, and record DELETED. A crash after the drain leaves an idle DRAINING worker, which
     * the policy terminates on the next tick.
     */
    void drainAndTerminate(String workerId) {
        boolean drained = database.inTransaction(c -> {
            var current = workers.lock(c, workerId);
            if (current.isEmpty()) {
                return false;
            }
            WorkerRecord worker = current.get();
            if (worker.state() != WorkerState.READY && worker.state() != WorkerState.DRAINING) {
                return false;
            }
            if (!heldExecutions.onWorker(c, workerId).isEmpty()) {
                LOG.infof("worker %s got work meanwhile; not terminating it", workerId);
                return false;
            }
            lifecycle.change(c, worker, WorkerState.DRAINING, "idle near the end of its billing period");
            return true;
        });
        outbox.flushSoon();
        if (!drained) {
            return;
        }
        Optional<Instant> billedUntil;
        try {
            billedUntil = provider.terminate(workerId);
        } catch (RuntimeException e) {
            LOG.errorf(e, "could not delete worker %s; it stays DRAINING and is tried again", workerId);
            return;
        }
        database.inTransaction(c -> {
            var current = workers.lock(c, workerId);
            if (current.isPresent() && current.get().state() == WorkerState.DRAINING) {
                lifecycle.deleted(c, current.get(), billedUntil, "deleted: idle at the end of its billing period");
            }
            return null;
        });
        stats.idleTerminated();
        outbox.flushSoon();
    }

    /**
     * Tells the oldest queued execution why it waits, once per execution and reason:
     * PROVISIONING (a worker is booting; eta from the provider's boot time), WAITING_FOR_SLOT
     * (workers are up but busy: one is expected to free up), NO_CAPACITY (nothing up or booting
     * and no more may be created, e.g. max workers reached by draining ones or max 0). With machine
     * types known, the reason is the one of the worker it will run on, and names its type.
     */
    private void reportWaiting(Loaded loaded, MachineChoice.Outcome choice) {
        ExecutionRecord oldest = loaded.oldest;
        if (oldest == null) {
            return;
        }
        MachineChoice.Fit fit = choice.fitOf(oldest.id());
        WorkerRecord target = fit == null || fit.workerId() == null ? null : loaded.live.stream()
                .filter(w -> w.id().equals(fit.workerId())).findFirst().orElse(null);
        WorkerRecord booting = target != null ? (target.state() == WorkerState.PROVISIONING ? target : null)
                : fit != null ? null : loaded.live.stream()
                .filter(w -> w.state() == WorkerState.PROVISIONING)
                .max(Comparator.comparing(WorkerRecord::createdAt))
                .orElse(null);
        String type = fit == null ? null : fit.type();
        String on = type == null ? "" : " (" + type + ")";
        ExecutionWaiting waiting;
        if (target != null ? target.state() == WorkerState.READY
                : fit == null && loaded.snapshot.count(WorkerState.READY) > 0) {
            Duration settle = config.orchestrator().dispatch().tick().multipliedBy(2);
            if (oldest.queuedAt() != null && oldest.queuedAt().plus(settle).isAfter(Instant.now())) {
                return; // just queued: the dispatcher has not had its turn yet
            }
            waiting = new ExecutionWaiting(oldest.id(), WaitReason.WAITING_FOR_SLOT, null, target != null
                    ? "waiting for a free slot on " + target.id() + on
                    : loaded.snapshot.count(WorkerState.READY) + " workers busy"
                    + (booting != null ? ", " + booting.id() + " booting" : ""), type);
        } else if (booting != null) {
            Duration expected = provider.offer().expectedBootTime();
            long elapsed = Duration.between(booting.createdAt(), Instant.now()).toSeconds();
            int eta = (int) Math.max(0, expected.toSeconds() - elapsed);
            waiting = new ExecutionWaiting(oldest.id(), WaitReason.PROVISIONING, eta,
                    "waiting for worker " + booting.id() + on + " to boot", type);
        } else if (!provider.scalable() || loaded.snapshot.existing() >= loaded.snapshot.maxWorkers()) {
            waiting = new ExecutionWaiting(oldest.id(), WaitReason.NO_CAPACITY, null, !provider.scalable()
                    ? "no configured worker is ready"
                    : (type == null ? "no worker can take it" : "it needs a new " + type)
                    + " and max workers (" + loaded.snapshot.maxWorkers() + ") is reached", type);
        } else {
            return; // a worker is about to be provisioned: the next tick reports PROVISIONING
        }
        String key = oldest.id() + "/" + waiting.reason();
        if (key.equals(lastWaitingReported)) {
            return;
        }
        database.inTransaction(c -> {
            outbox.append(c, waiting);
            return null;
        });
        lastWaitingReported = key;
        outbox.flushSoon();
    }

    private static String newToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private record Loaded(ClusterSnapshot snapshot, List<WorkerRecord> live, ExecutionRecord oldest) {
    }
}
