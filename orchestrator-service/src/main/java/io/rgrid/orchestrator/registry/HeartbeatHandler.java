package io.rgrid.orchestrator.registry;

import io.rgrid.model.ExecutionState;
import io.rgrid.model.FailureReason;
import io.rgrid.model.event.Envelope;
import io.rgrid.model.event.Event;
import io.rgrid.model.event.WorkerHeartbeat;
import io.rgrid.model.event.WorkerState;
import io.rgrid.orchestrator.agent.AgentClient;
import io.rgrid.orchestrator.config.RgridConfig;
import io.rgrid.orchestrator.outbox.OutboxWriter;
import io.rgrid.orchestrator.provider.ProvisioningTimeline;
import io.rgrid.orchestrator.queue.ExecutionRecord;
import io.rgrid.orchestrator.queue.ExecutionRepository;
import io.rgrid.orchestrator.queue.ExecutionTransitions;
import io.rgrid.orchestrator.queue.TakeBackCause;
import io.rgrid.platform.db.Transactions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Applies workers' heartbeats (topic rgrid.worker-heartbeats.v1): the first heartbeat of a
 * PROVISIONING worker makes it READY; every heartbeat refreshes its liveness and free resources;
 * a draining agent becomes DRAINING and gets no more work. Each heartbeat is also reconciled with
 * what the orchestrator placed on the worker ({@link HeldAttemptDecision}).
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
    ProvisioningTimeline timeline;

    @Inject
    AgentClient agents;

    /**
     * Per worker: attempts the orchestrator believes it holds that its heartbeats no longer list,
     * with when that was first seen. Replaced at each heartbeat, so it only holds what is missing now.
     */
    private final Map<String, Map<String, Instant>> missingSince = new ConcurrentHashMap<>();

    /** What applying one heartbeat found: whether it was the worker's first, and the attempts to stop on it. */
    private record Applied(boolean firstHeartbeat, WorkerRecord worker, List<WorkerHeartbeat.RunningAttempt> stale) {
        static final Applied NOTHING = new Applied(false, null, List.of());
    }

    private static String key(UUID executionId, int attempt) {
        return executionId + ":" + attempt;
    }

    /**
     * Reconciliation against the heartbeat's {@code running} and {@code finished} lists, each
     * attempt recorded on this worker (ASSIGNED or RUNNING) judged by {@link HeldAttemptDecision}:
     * held; finished, its listed outcome applied at once (the report lags; the attempt is never
     * taken back); or missing, and taken back (requeued with attempt + 1, or LOST) once missing for
     * {@code health.missing-grace} and assigned longer ago than that (an agent that restarted
     * within the heartbeat timeout, or dropped the attempt without a report; the grace lets an
     * assignment in flight arrive first). {@code now} is the database's clock (the heartbeat's
     * applied time), like {@code assigned_at}.
     *
     * @return the attempts the agent lists running that the orchestrator has taken back since
     *         (stale: they must be stopped on the agent, see {@link #stopStale})
     */
    private List<WorkerHeartbeat.RunningAttempt> reconcile(Connection c, WorkerRecord worker,
                                                           WorkerHeartbeat heartbeat, Instant now) throws SQLException {
        Set<String> running = heartbeat.running().stream().filter(a -> a.executionId() != null)
                .map(a -> key(a.executionId(), a.attempt())).collect(Collectors.toSet());
        Map<String, WorkerHeartbeat.FinishedAttempt> finished = new HashMap<>();
        heartbeat.finished().stream().filter(a -> a.executionId() != null)
                .forEach(a -> finished.put(key(a.executionId(), a.attempt()), a));
        Duration grace = config.orchestrator().health().missingGrace();
        Map<String, Instant> before = missingSince.getOrDefault(worker.id(), Map.of());
        Map<String, Instant> stillMissing = new HashMap<>();
        for (ExecutionRepository.HeldAttempt held : executions.attemptsOnWorker(c, worker.id())) {
            String key = key(held.id(), held.attempt());
            WorkerHeartbeat.FinishedAttempt listed = finished.get(key);
            Instant since = before.getOrDefault(key, now);
            HeldAttemptDecision.Verdict verdict = HeldAttemptDecision.decide(new HeldAttemptDecision.Facts(
                    running.contains(key), listed != null, listed == null ? null : listed.outcome(),
                    Duration.between(since, now),
                    held.assignedAt() == null ? null : Duration.between(held.assignedAt(), now), grace));
            switch (verdict) {
                case HELD, FINISHED -> {
                }
                case MISSING -> stillMissing.put(key, since);
                case APPLY_OUTCOME -> {
                    Optional<ExecutionRecord> current = lockCurrent(c, held);
                    if (current.isPresent()) {
                        transitions.applyListedOutcome(c, current.get(), held.attempt(), listed.outcome(),
                                listed.reason());
                    }
                }
                case TAKE_BACK -> {
                    Optional<ExecutionRecord> current = lockCurrent(c, held);
                    if (current.isPresent()) {
                        transitions.takeBack(c, current.get(), FailureReason.WORKER_LOST,
                                TakeBackCause.MISSING_FROM_HEARTBEATS, "worker " + worker.id()
                                + " no longer holds attempt " + held.attempt() + " (missing from its heartbeats since "
                                + since + ")");
                    }
                }
            }
        }
        if (stillMissing.isEmpty()) {
            missingSince.remove(worker.id());
        } else {
            missingSince.put(worker.id(), stillMissing);
        }
        Map<UUID, Integer> current = executions.currentAttempts(c, heartbeat.running().stream()
                .map(WorkerHeartbeat.RunningAttempt::executionId).filter(Objects::nonNull).collect(Collectors.toSet()));
        return heartbeat.running().stream().filter(a -> a.executionId() != null
                && HeldAttemptDecision.stale(a.attempt(), current.get(a.executionId()))).toList();
    }

    /** The execution locked, when it is still at this attempt on a worker. */
    private Optional<ExecutionRecord> lockCurrent(Connection c, ExecutionRepository.HeldAttempt held)
            throws SQLException {
        return executions.lock(c, held.id()).filter(e -> e.attempt() == held.attempt()
                && ExecutionState.ON_WORKER.contains(e.state()));
    }

    public void handle(Envelope<Event> envelope) {
        if (!(envelope.payload() instanceof WorkerHeartbeat heartbeat)) {
            return;
        }
        if (heartbeat.workerId() == null) {
            LOG.warn("skipping heartbeat without a worker id");
            return;
        }
        Applied applied = database.inTransaction(c -> {
            Optional<WorkerRecord> known = workers.lock(c, heartbeat.workerId());
            if (known.isEmpty()) {
                // Without a token the orchestrator issued, it cannot (and must not) hand this agent work.
                LOG.warnf("heartbeat from unknown worker %s at %s ignored: it was not started by this orchestrator "
                        + "nor configured as a static agent", heartbeat.workerId(), heartbeat.address());
                return Applied.NOTHING;
            }
            WorkerRecord worker = known.get();
            if (worker.state() == WorkerState.DELETED
                    || (worker.state() == WorkerState.LOST && !"static".equals(worker.provider()))) {
                LOG.debugf("heartbeat from %s worker %s ignored", worker.state(), worker.id());
                return Applied.NOTHING;
            }
            // The worker's totals: what it reports free plus what the executions it runs reserve.
            ExecutionRepository.Held reserved = executions.reservedBy(c, heartbeat.running().stream()
                    .map(WorkerHeartbeat.RunningAttempt::executionId).filter(Objects::nonNull).collect(Collectors.toSet()));
            Instant at = workers.recordHeartbeat(c, heartbeat, heartbeat.freeCpus() + reserved.cpus(),
                    heartbeat.freeMemoryMb() + reserved.memoryMb());
            List<WorkerHeartbeat.RunningAttempt> stale = reconcile(c, worker, heartbeat, at);
            if (heartbeat.draining()) {
                lifecycle.change(c, worker, WorkerState.DRAINING, "agent is draining");
            } else if (worker.state() == WorkerState.PROVISIONING || worker.state() == WorkerState.LOST) {
                lifecycle.change(c, worker, WorkerState.READY, "first heartbeat from " + heartbeat.address());
                LOG.infof("worker %s is READY at %s (%d slots, runtime %s)", worker.id(), heartbeat.address(),
                        heartbeat.slots(), heartbeat.runtime());
                return new Applied(worker.state() == WorkerState.PROVISIONING, worker, stale);
            }
            return new Applied(false, worker, stale);
        });
        if (applied.firstHeartbeat()) {
            timeline.mark(heartbeat.workerId(), ProvisioningTimeline.Phase.FIRST_HEARTBEAT);
        }
        outbox.flushSoon();
        stopStale(applied.worker(), applied.stale());
    }

    /**
     * Stops on the agent the attempts it still runs that the orchestrator took back (it was lost
     * or cut off, and could not be stopped then): a stopping fence kills each without a report and
     * refuses it from then on, so it does not go on beside its retry. Asynchronous: the heartbeat
     * consumer does not wait for agents.
     */
    private void stopStale(WorkerRecord worker, List<WorkerHeartbeat.RunningAttempt> stale) {
        for (WorkerHeartbeat.RunningAttempt attempt : stale) {
            LOG.warnf("worker %s still runs attempt %d of %s, which was taken back: stopping it", worker.id(),
                    attempt.attempt(), attempt.executionId());
            agents.stop(worker, attempt.executionId(), attempt.attempt()).thenAccept(answer -> {
                if (answer.isEmpty()) {
                    LOG.warnf("worker %s did not answer the stop of attempt %d of %s; its next heartbeat tries again",
                            worker.id(), attempt.attempt(), attempt.executionId());
                }
            });
        }
    }
}
