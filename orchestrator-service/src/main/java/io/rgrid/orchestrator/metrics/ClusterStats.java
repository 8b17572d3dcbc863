package io.rgrid.orchestrator.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.rgrid.model.event.WorkerState;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The orchestrator's Prometheus metrics (served at {@code /q/metrics}). Gauges read values the
 * periodic tasks refresh, so a scrape never queries the database.
 * <ul>
 *   <li>{@code rgrid_orchestrator_queue_depth}: executions QUEUED</li>
 *   <li>{@code rgrid_orchestrator_workers{state}}: workers by state (DELETED excluded)</li>
 *   <li>{@code rgrid_orchestrator_dispatch_latency_seconds}: queued (or requeued) → ASSIGNED, histogram</li>
 *   <li>{@code rgrid_orchestrator_provisioning_total{outcome}}: succeeded, failed, boot_timeout,
 *       idle_terminated, vanished, orphan_deleted, boot_resumed (a boot an orchestrator that stopped began,
 *       taken over by the reconciliation)</li>
 *   <li>{@code rgrid_orchestrator_cost_eur}: the grid's spend so far (started billing periods × price)</li>
 *   <li>{@code rgrid_orchestrator_provisioning_phase_seconds{phase}}: time from the provisioning request to
 *       each step (created, running, ssh_ready, first_heartbeat), histogram</li>
 *   <li>{@code rgrid_worker_lost_total{cause}}: workers declared LOST: {@code silent} (no heartbeat applied
 *       for lost-after while the heartbeat consumer is caught up, and the agent's health probe failed),
 *       {@code boot_timeout}, {@code orchestrator_stopped} (local agents stopped with their orchestrator)</li>
 *   <li>{@code rgrid_attempt_takebacks_total{cause}}: attempts taken back from their worker (requeued,
 *       or LOST when none are left), by {@code io.rgrid.orchestrator.queue.TakeBackCause}</li>
 * </ul>
 */
@ApplicationScoped
public class ClusterStats {

    @Inject
    MeterRegistry registry;

    private final AtomicInteger queueDepth = new AtomicInteger();
    private final Map<WorkerState, AtomicInteger> workersByState = new EnumMap<>(WorkerState.class);
    private final AtomicReference<Double> costEur = new AtomicReference<>(0.0);
    private volatile Timer dispatchLatency;

    /** For CDI. */
    public ClusterStats() {
    }

    /** For tests that build the beans by hand. */
    public ClusterStats(MeterRegistry registry) {
        this.registry = registry;
        register();
    }

    @PostConstruct
    void register() {
        Gauge.builder("rgrid.orchestrator.queue.depth", queueDepth, AtomicInteger::get)
                .description("Executions waiting in QUEUED").register(registry);
        for (WorkerState state : WorkerState.values()) {
            if (state == WorkerState.DELETED) {
                continue;
            }
            AtomicInteger count = new AtomicInteger();
            workersByState.put(state, count);
            Gauge.builder("rgrid.orchestrator.workers", count, AtomicInteger::get).tag("state", state.name())
                    .description("Workers by lifecycle state").register(registry);
        }
        Gauge.builder("rgrid.orchestrator.cost.eur", costEur, AtomicReference::get).baseUnit("eur")
                .description("Spend so far: started billing periods times hourly price, all workers").register(registry);
        dispatchLatency = Timer.builder("rgrid.orchestrator.dispatch.latency")
                .description("From QUEUED (or requeued) to ASSIGNED")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(10))
                .register(registry);
    }

    public void queueDepth(int queued) {
        queueDepth.set(queued);
    }

    public void workers(Map<WorkerState, Long> counts) {
        workersByState.forEach((state, gauge) -> gauge.set(counts.getOrDefault(state, 0L).intValue()));
    }

    public void cost(double eur) {
        costEur.set(eur);
    }

    public void dispatched(Duration waited) {
        if (dispatchLatency != null && !waited.isNegative()) {
            dispatchLatency.record(waited);
        }
    }

    /** A worker reached {@code phase} of its provisioning {@code sinceRequested} after it was requested. */
    public void provisioningPhase(String phase, Duration sinceRequested) {
        if (sinceRequested.isNegative()) {
            return;
        }
        Timer.builder("rgrid.orchestrator.provisioning.phase").tag("phase", phase)
                .description("From the provisioning request to this step of a worker's provisioning")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(100))
                .maximumExpectedValue(Duration.ofMinutes(15))
                .register(registry).record(sinceRequested);
    }

    public void provisioned() {
        outcome("succeeded");
    }

    public void provisioningFailed() {
        outcome("failed");
    }

    public void bootTimedOut() {
        outcome("boot_timeout");
    }

    public void idleTerminated() {
        outcome("idle_terminated");
    }

    public void vanished() {
        outcome("vanished");
    }

    public void orphanDeleted() {
        outcome("orphan_deleted");
    }

    public void bootResumed() {
        outcome("boot_resumed");
    }

    /** A worker was declared LOST, for {@code cause} (see {@code LivenessDecision}). */
    public void workerLost(String cause) {
        Counter.builder("rgrid.worker.lost").tag("cause", cause)
                .description("Workers declared LOST, by cause").register(registry).increment();
    }

    /** An attempt was taken back from its worker, for {@code cause}. */
    public void tookBack(String cause) {
        Counter.builder("rgrid.attempt.takebacks").tag("cause", cause)
                .description("Attempts taken back from their worker, by cause").register(registry).increment();
    }

    private void outcome(String outcome) {
        Counter.builder("rgrid.orchestrator.provisioning").tag("outcome", outcome)
                .description("Worker provisioning outcomes and deletions").register(registry).increment();
    }
}
