package io.rgrid.orchestrator.autoscaling;

import io.rgrid.model.Ids;
import io.rgrid.model.event.ExecutionWaiting;
import io.rgrid.model.event.WaitReason;
import io.rgrid.model.event.WorkerState;
import io.rgrid.orchestrator.config.RgridConfig;
import io.rgrid.orchestrator.outbox.OutboxWriter;
import io.rgrid.orchestrator.provider.CloudProvider;
import io.rgrid.orchestrator.provider.ProvisionedServer;
import io.rgrid.orchestrator.provider.ProvisioningException;
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
import java.util.UUID;
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

    private volatile Instant pausedUntil = Instant.MIN;
    /** The execution last told it waits for provisioning, so the event is sent once, not every tick. */
    private volatile UUID lastWaitingReported;

    public void tick() {
        if (!provider.scalable()) {
            return;
        }
        Instant now = Instant.now();
        Loaded loaded = load(now);
        if (now.isAfter(pausedUntil)) {
            ScalingPlan plan = ScalingPolicy.decide(loaded.snapshot);
            for (int i = 0; i < plan.provision(); i++) {
                LOG.infof("provisioning a worker: %s", plan.reason());
                if (!provisionOne()) {
                    break;
                }
            }
            // Terminations arrive with the idle-near-billing-hour rule; the plan has none yet.
            if (plan.provision() > 0) {
                loaded = load(Instant.now());
            }
        }
        reportWaiting(loaded);
    }

    private Loaded load(Instant now) {
        return database.inTransaction(c -> {
            List<WorkerRecord> live = workers.live(c).stream().filter(w -> w.state() != WorkerState.LOST).toList();
            Map<String, Long> held = executions.allOnWorkers(c).stream()
                    .collect(Collectors.groupingBy(ExecutionRecord::workerId, Collectors.counting()));
            List<ClusterSnapshot.Worker> view = live.stream()
                    .map(w -> new ClusterSnapshot.Worker(w.id(), w.state(), w.createdAt(),
                            held.getOrDefault(w.id(), 0L).intValue()))
                    .toList();
            RgridConfig.Scaling scaling = config.orchestrator().scaling();
            ClusterSnapshot snapshot = new ClusterSnapshot(executions.countQueued(c), view, scaling.queueThreshold(),
                    scaling.maxWorkers(), scaling.minWorkers(), now);
            List<ExecutionRecord> oldest = executions.queued(c, 1);
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
                null, Instant.now(), null);
        database.inTransaction(c -> {
            lifecycle.recordNew(c, record);
            return null;
        });
        outbox.flushSoon();
        try {
            ProvisionedServer server = provider.provision(new CloudProvider.ProvisionRequest(workerId, token));
            database.inTransaction(c -> {
                workers.recordProvisioned(c, workerId, server.handle(), server.address(), server.serverType(),
                        server.hourlyPriceEur(), server.createdAt());
                return null;
            });
            return true;
        } catch (ProvisioningException | RuntimeException e) {
            Duration backoff = config.orchestrator().scaling().failureBackoff();
            pausedUntil = Instant.now().plus(backoff);
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

    /** Tells the oldest queued execution it waits for a worker that is booting, with an estimate. */
    private void reportWaiting(Loaded loaded) {
        ExecutionRecord oldest = loaded.oldest;
        if (oldest == null || loaded.snapshot.count(WorkerState.READY) > 0) {
            return;
        }
        WorkerRecord booting = loaded.live.stream()
                .filter(w -> w.state() == WorkerState.PROVISIONING)
                .max(java.util.Comparator.comparing(WorkerRecord::createdAt))
                .orElse(null);
        if (booting == null || oldest.id().equals(lastWaitingReported)) {
            return;
        }
        Duration expected = provider.offer().expectedBootTime();
        long elapsed = Duration.between(booting.createdAt(), Instant.now()).toSeconds();
        int eta = (int) Math.max(0, expected.toSeconds() - elapsed);
        database.inTransaction(c -> {
            outbox.append(c, new ExecutionWaiting(oldest.id(), WaitReason.PROVISIONING, eta,
                    "waiting for worker " + booting.id() + " to boot"));
            return null;
        });
        lastWaitingReported = oldest.id();
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
