package io.rgrid.orchestrator.registry;

import io.rgrid.model.event.Envelope;
import io.rgrid.model.event.Event;
import io.rgrid.model.event.WorkerHeartbeat;
import io.rgrid.model.event.WorkerState;
import io.rgrid.orchestrator.outbox.OutboxWriter;
import io.rgrid.orchestrator.queue.ExecutionRecord;
import io.rgrid.orchestrator.queue.ExecutionRepository;
import io.rgrid.platform.db.Transactions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import io.rgrid.model.ExecutionState;
import io.rgrid.model.FailureReason;
import io.rgrid.orchestrator.config.RgridConfig;
import io.rgrid.orchestrator.queue.ExecutionTransitions;
import io.rgrid.orchestrator.queue.TakeBackCause;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Applies workers' heartbeats (topic rgrid.worker-heartbeats.v1): the first heartbeat of a
 * PROVISIONING worker makes it READY; every heartbeat refreshes its liveness and free resources;
 * a draining agent becomes DRAINING and gets no more work.
 */
@ApplicationScoped
public class HeartbeatHandler {

    private static final Logger LOG = Logger.getLogger(HeartbeatHandler.class);

    @Inject
    Transactions database;

    @Inject
    WorkerRepository workers;

    @Inject
    WorkerLifecycle lifecycle;

    @Inject
    ExecutionRepository executions;

    @Inject
    OutboxWriter outbox;

    @Inject
    RgridConfig config;

    @Inject
    ExecutionTransitions transitions;

    @Inject
    io.rgrid.orchestrator.provider.ProvisioningTimeline timeline;

    /**
     * Per worker: attempts the orchestrator believes it holds that its heartbeats no longer list,
     * with when that was first seen. Replaced at each heartbeat, so it only holds what is missing now.
     */
    private final Map<String, Map<String, Instant>> missingSince = new ConcurrentHashMap<>();

    /**
     * Reconciliation against the heartbeat's {@code running} and {@code finished} lists: an attempt
     * recorded on this worker (ASSIGNED or RUNNING) that the agent lists in neither, continuously for
     * {@code health.missing-grace} and assigned longer ago than that, is taken back (requeued with
     * attempt + 1, or LOST). That is an agent that restarted within the heartbeat timeout, or
     * dropped the attempt without a report. The grace lets an assignment in flight, and an outcome
     * report still on its way through Kafka, arrive first. {@code now} is the database's clock (the
     * heartbeat's applied time), like {@code assigned_at}.
     */
    private void reconcileRunning(Connection c, WorkerRecord worker, WorkerHeartbeat heartbeat, Instant now)
            throws SQLException {
        // A finished attempt it lists has its report acknowledged by Kafka: wait for the report, however late.
        Set<String> held = new HashSet<>();
        for (WorkerHeartbeat.RunningAttempt running
                : Stream.concat(heartbeat.running().stream(), heartbeat.finished().stream()).toList()) {
            held.add(running.executionId() + ":" + running.attempt());
        }
        Duration grace = config.orchestrator().health().missingGrace();
        Map<String, Instant> before = missingSince.getOrDefault(worker.id(), Map.of());
        Map<String, Instant> stillMissing = new HashMap<>();
        for (ExecutionRepository.HeldAttempt execution : executions.attemptsOnWorker(c, worker.id())) {
            String key = execution.id() + ":" + execution.attempt();
            if (held.contains(key)) {
                continue;
            }
            Instant since = before.getOrDefault(key, now);
            boolean assignedLongAgo = execution.assignedAt() == null
                    || execution.assignedAt().plus(grace).isBefore(now);
            if (assignedLongAgo && since.plus(grace).isBefore(now)) {
                Optional<ExecutionRecord> locked = executions.lock(c, execution.id());
                if (locked.isPresent() && locked.get().attempt() == execution.attempt()
                        && ExecutionState.ON_WORKER.contains(locked.get().state())) {
                    transitions.takeBack(c, locked.get(), FailureReason.WORKER_LOST,
                            TakeBackCause.MISSING_FROM_HEARTBEATS, "worker " + worker.id()
                            + " no longer holds attempt " + execution.attempt() + " (missing from its heartbeats since "
                            + since + ")");
                }
            } else {
                stillMissing.put(key, since);
            }
        }
        if (stillMissing.isEmpty()) {
            missingSince.remove(worker.id());
        } else {
            missingSince.put(worker.id(), stillMissing);
        }
    }

    public void handle(Envelope<Event> envelope) {
        if (!(envelope.payload() instanceof WorkerHeartbeat heartbeat)) {
            return;
        }
        if (heartbeat.workerId() == null) {
            LOG.warn("skipping heartbeat without a worker id");
            return;
        }
        boolean firstHeartbeat = database.inTransaction(c -> {
            Optional<WorkerRecord> known = workers.lock(c, heartbeat.workerId());
            if (known.isEmpty()) {
                // Without a token the orchestrator issued, it cannot (and must not) hand this agent work.
                LOG.warnf("heartbeat from unknown worker %s at %s ignored: it was not started by this orchestrator "
                        + "nor configured as a static agent", heartbeat.workerId(), heartbeat.address());
                return false;
            }
            WorkerRecord worker = known.get();
            if (worker.state() == WorkerState.DELETED
                    || (worker.state() == WorkerState.LOST && !"static".equals(worker.provider()))) {
                LOG.debugf("heartbeat from %s worker %s ignored", worker.state(), worker.id());
                return false;
            }
            // The worker's totals: what it reports free plus what the executions it runs reserve.
            ExecutionRepository.Held reserved = executions.reservedBy(c, heartbeat.running().stream()
                    .map(WorkerHeartbeat.RunningAttempt::executionId).filter(Objects::nonNull).collect(Collectors.toSet()));
            Instant applied = workers.recordHeartbeat(c, heartbeat, heartbeat.freeCpus() + reserved.cpus(),
                    heartbeat.freeMemoryMb() + reserved.memoryMb());
            reconcileRunning(c, worker, heartbeat, applied);
            if (heartbeat.draining()) {
                lifecycle.change(c, worker, WorkerState.DRAINING, "agent is draining");
            } else if (worker.state() == WorkerState.PROVISIONING || worker.state() == WorkerState.LOST) {
                lifecycle.change(c, worker, WorkerState.READY, "first heartbeat from " + heartbeat.address());
                LOG.infof("worker %s is READY at %s (%d slots, runtime %s)", worker.id(), heartbeat.address(),
                        heartbeat.slots(), heartbeat.runtime());
                return worker.state() == WorkerState.PROVISIONING;
            }
            return false;
        });
        if (firstHeartbeat) {
            timeline.mark(heartbeat.workerId(), io.rgrid.orchestrator.provider.ProvisioningTimeline.Phase.FIRST_HEARTBEAT);
        }
        outbox.flushSoon();
    }
}
