package io.rgrid.orchestrator.autoscaling;

import io.rgrid.model.Ids;
import io.rgrid.model.event.ExecutionWaiting;
import io.rgrid.model.event.WaitReason;
import io.rgrid.model.event.WorkerState;
import io.rgrid.orchestrator.config.RgridConfig;
import io.rgrid.orchestrator.metrics.ClusterStats;
import io.rgrid.orchestrator.outbox.OutboxWriter;
import io.rgrid.orchestrator.provider.CloudProvider;
import io.rgrid.orchestrator.provider.ProvisionedServer;
import io.rgrid.orchestrator.provider.ProvisioningException;
import io.rgrid.orchestrator.provider.ProvisioningTimeline;
import io.rgrid.orchestrator.queue.ExecutionRecord;
import io.rgrid.orchestrator.queue.ExecutionRepository;
import io.rgrid.orchestrator.registry.WorkerLifecycle;
import io.rgrid.orchestrator.registry.WorkerRecord;
import io.rgrid.orchestrator.registry.WorkerRepository;
import io.rgrid.orchestrator.support.Database;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
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
    Database database;

    @Inject
    ExecutionRepository executions;

    @Inject
    WorkerRepository workers;

    @Inject
    WorkerLifecycle lifecycle;

    @Inject
    CloudProvider provider;

    @Inject
    OutboxWriter outbox;

    @Inject
    ClusterStats stats;

    @Inject
    ProvisioningTimeline timeline;

    private volatile Instant pausedUntil = Instant.MIN;
    /** The execution last told it waits for provisioning, so the event is sent once, not every tick. */
    private volatile String lastWaitingReported;

    public void tick() {
        Instant now = Instant.now();
        Loaded loaded = load(now);
        if (provider.scalable() && now.isAfter(pausedUntil)) {
            ScalingPlan plan = ScalingPolicy.decide(loaded.snapshot);
            for (int i = 0; i < plan.provision(); i++) {
                LOG.infof("provisioning a worker: %s", plan.reason());
                if (!provisionOne()) {
                    break;
                }
            }
            for (String workerId : plan.terminate()) {
                LOG.infof("terminating worker %s: %s", workerId, plan.reason());
                drainAndTerminate(workerId);
            }
            if (!plan.isEmpty()) {
                loaded = load(Instant.now());
            }
        }
        reportWaiting(loaded);
    }

    private Loaded load(Instant now) {
        return database.inTransaction(c -> {
            List<WorkerRecord> live = workers.live(c).stream().filter(w -> w.state() != WorkerState.LOST).toList();
            Map<String, ExecutionRepository.Held> held = executions.heldPerWorker(c);
            List<ClusterSnapshot.Worker> view = live.stream()
                    .map(w -> new ClusterSnapshot.Worker(w.id(), w.state(), w.createdAt(),
                            held.getOrDefault(w.id(), ExecutionRepository.Held.NONE).count()))
                    .toList();
            RgridConfig.Scaling scaling = config.orchestrator().scaling();
            ClusterSnapshot snapshot = new ClusterSnapshot(executions.countQueued(c), view, scaling.queueThreshold(),
                    scaling.maxWorkers(), scaling.minWorkers(), scaling.billingPeriod(), scaling.terminateWindow(),
                    now);
            List<ExecutionRecord> oldest = executions.queued(c, 1);
            stats.queueDepth(snapshot.queued());
            stats.workers(live.stream().collect(Collectors.groupingBy(WorkerRecord::state, Collectors.counting())));
            return new Loaded(snapshot, live, oldest.isEmpty() ? null : oldest.getFirst());
        });
    }

    /** Records, then creates, one worker. @return false when provisioning failed. */
    boolean provisionOne() {
        CloudProvider.ServerOffer offer = provider.offer();
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
            ProvisionedServer server = provider.provision(new CloudProvider.ProvisionRequest(workerId, token));
            timeline.mark(workerId, ProvisioningTimeline.Phase.CREATED);
            database.inTransaction(c -> {
                workers.recordProvisioned(c, workerId, server.handle(), server.address(), server.serverType(),
                        server.hourlyPriceEur(), server.createdAt());
                return null;
            });
            stats.provisioned();
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
            if (!executions.onWorker(c, workerId).isEmpty()) {
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
        try {
            provider.terminate(workerId);
        } catch (RuntimeException e) {
            LOG.errorf(e, "could not delete worker %s; it stays DRAINING and is tried again", workerId);
            return;
        }
        database.inTransaction(c -> {
            var current = workers.lock(c, workerId);
            if (current.isPresent() && current.get().state() == WorkerState.DRAINING) {
                lifecycle.change(c, current.get(), WorkerState.DELETED, "deleted: idle at the end of its billing period");
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
     * and no more may be created, e.g. max workers reached by draining ones or max 0).
     */
    private void reportWaiting(Loaded loaded) {
        ExecutionRecord oldest = loaded.oldest;
        if (oldest == null) {
            return;
        }
        WorkerRecord booting = loaded.live.stream()
                .filter(w -> w.state() == WorkerState.PROVISIONING)
                .max(java.util.Comparator.comparing(WorkerRecord::createdAt))
                .orElse(null);
        ExecutionWaiting waiting;
        if (loaded.snapshot.count(WorkerState.READY) > 0) {
            Duration settle = config.orchestrator().dispatch().tick().multipliedBy(2);
            if (oldest.queuedAt() != null && oldest.queuedAt().plus(settle).isAfter(Instant.now())) {
                return; // just queued: the dispatcher has not had its turn yet
            }
            waiting = new ExecutionWaiting(oldest.id(), WaitReason.WAITING_FOR_SLOT, null,
                    loaded.snapshot.count(WorkerState.READY) + " workers busy"
                            + (booting != null ? ", " + booting.id() + " booting" : ""));
        } else if (booting != null) {
            Duration expected = provider.offer().expectedBootTime();
            long elapsed = Duration.between(booting.createdAt(), Instant.now()).toSeconds();
            int eta = (int) Math.max(0, expected.toSeconds() - elapsed);
            waiting = new ExecutionWaiting(oldest.id(), WaitReason.PROVISIONING, eta,
                    "waiting for worker " + booting.id() + " to boot");
        } else if (!provider.scalable() || loaded.snapshot.existing() >= loaded.snapshot.maxWorkers()) {
            waiting = new ExecutionWaiting(oldest.id(), WaitReason.NO_CAPACITY, null, provider.scalable()
                    ? "no worker can take it and max workers (" + loaded.snapshot.maxWorkers() + ") is reached"
                    : "no configured worker is ready");
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
