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
import io.rgrid.orchestrator.queue.HeldExecutions;
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
import java.util.ArrayList;
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
    HeldExecutions heldExecutions;

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
     * with the first heartbeat that left them out. Replaced at each heartbeat, so it only holds what
     * is missing now.
     */
    private final Map<String, Map<String, FirstOmission>> missingSince = new ConcurrentHashMap<>();

    /**
     * The first heartbeat that left an attempt out: when it was applied (database clock) and when the
     * agent composed it (its envelope's {@code occurredAt}, the agent's clock). Missing time counts on
     * both ({@link HeldAttemptDecision}): a burst of late heartbeats spans no applied time, a
     * heartbeat replayed after a Kafka outage (its offset's commit lost with the broker) spans no
     * composed time.
     */
    private record FirstOmission(Instant applied, Instant composed) {
    }

    /** Attempts with a stopping fence in flight ({@link #key}), so a slow agent gets one at a time per attempt. */
    private final Set<String> stopping = ConcurrentHashMap.newKeySet();

    /**
     * An attempt to stop on the agent: stale (the orchestrator took it back already), or missing
     * from the heartbeats since {@code missingSince} (taken back once stopped).
     */
    private record Stop(UUID executionId, int attempt, Instant missingSince) {
        boolean missing() {
            return missingSince != null;
        }
    }

    /** What applying one heartbeat found: whether it was the worker's first, and the attempts to stop on it. */
    private record Applied(boolean firstHeartbeat, WorkerRecord worker, List<Stop> stops) {
        static final Applied NOTHING = new Applied(false, null, List.of());
    }

    private static String key(UUID executionId, int attempt) {
        return executionId + ":" + attempt;
    }

    /**
     * Reconciliation against the heartbeat's {@code running} and {@code finished} lists, each
     * attempt recorded on this worker (ASSIGNED or RUNNING) judged by {@link HeldAttemptDecision}:
     * held; finished, its listed outcome applied at once (the report lags; the attempt is never
     * taken back); not acknowledged by the agent yet (its assignment may be in flight: left to the
     * dispatch fence and the re-send at start); or missing, and once missing for
     * {@code health.missing-grace} and acknowledged longer ago than that (an agent that restarted
     * within the heartbeat timeout, or dropped the attempt without a report), stopped on the agent
     * and then taken back (requeued with attempt + 1, or LOST; see {@link #stop}). {@code now} is
     * the database's clock (the heartbeat's applied time), like {@code acknowledged_at};
     * {@code composedAt} the agent's (when it composed the heartbeat): the grace must pass on both.
     *
     * @return the attempts to stop on the agent: missing ones, and the ones it lists running that the
     *         orchestrator has taken back since (stale)
     */
    private List<Stop> reconcile(Connection c, WorkerRecord worker, WorkerHeartbeat heartbeat, Instant now,
                                 Instant composedAt) throws SQLException {
        Set<String> running = heartbeat.running().stream().filter(a -> a.executionId() != null)
                .map(a -> key(a.executionId(), a.attempt())).collect(Collectors.toSet());
        Map<String, WorkerHeartbeat.FinishedAttempt> finished = new HashMap<>();
        heartbeat.finished().stream().filter(a -> a.executionId() != null)
                .forEach(a -> finished.put(key(a.executionId(), a.attempt()), a));
        Duration grace = config.orchestrator().health().missingGrace();
        Map<String, FirstOmission> before = missingSince.getOrDefault(worker.id(), Map.of());
        Map<String, FirstOmission> stillMissing = new HashMap<>();
        List<Stop> stops = new ArrayList<>();
        for (HeldExecutions.HeldAttempt held : heldExecutions.attemptsOnWorker(c, worker.id())) {
            String key = key(held.id(), held.attempt());
            WorkerHeartbeat.FinishedAttempt listed = finished.get(key);
            FirstOmission since = before.getOrDefault(key, new FirstOmission(now, composedAt));
            HeldAttemptDecision.Verdict verdict = HeldAttemptDecision.decide(new HeldAttemptDecision.Facts(
                    running.contains(key), listed != null, listed == null ? null : listed.outcome(),
                    Duration.between(since.applied(), now), Duration.between(since.composed(), composedAt),
                    held.acknowledgedAt() == null ? null : Duration.between(held.acknowledgedAt(), now), grace));
            switch (verdict) {
                case HELD, FINISHED, UNACKNOWLEDGED -> {
                }
                case MISSING -> stillMissing.put(key, since);
                case APPLY_OUTCOME -> {
                    Optional<ExecutionRecord> current = lockCurrent(c, held.id(), held.attempt(), worker.id());
                    if (current.isPresent()) {
                        transitions.applyListedOutcome(c, current.get(), held.attempt(), listed.outcome(),
                                listed.reason());
                    }
                }
                case STOP_THEN_TAKE_BACK -> {
                    stillMissing.put(key, since); // until the stop is answered
                    stops.add(new Stop(held.id(), held.attempt(), since.applied()));
                }
            }
        }
        if (stillMissing.isEmpty()) {
            missingSince.remove(worker.id());
        } else {
            missingSince.put(worker.id(), stillMissing);
        }
        Map<UUID, Integer> current = heldExecutions.currentAttempts(c, heartbeat.running().stream()
                .map(WorkerHeartbeat.RunningAttempt::executionId).filter(Objects::nonNull).collect(Collectors.toSet()));
        heartbeat.running().stream().filter(a -> a.executionId() != null
                        && HeldAttemptDecision.stale(a.attempt(), current.get(a.executionId())))
                .forEach(a -> stops.add(new Stop(a.executionId(), a.attempt(), null)));
        return stops;
    }

    /** The execution locked, when it is still at this attempt on that worker. */
    private Optional<ExecutionRecord> lockCurrent(Connection c, UUID id, int attempt, String workerId)
            throws SQLException {
        return executions.lock(c, id).filter(e -> e.attempt() == attempt && workerId.equals(e.workerId())
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
            HeldExecutions.Held reserved = heldExecutions.reservedBy(c, heartbeat.running().stream()
                    .map(WorkerHeartbeat.RunningAttempt::executionId).filter(Objects::nonNull).collect(Collectors.toSet()));
            Instant at = workers.recordHeartbeat(c, heartbeat, heartbeat.freeCpus() + reserved.cpus(),
                    heartbeat.freeMemoryMb() + reserved.memoryMb());
            // An envelope without its time (none of ours) counts as composed when applied.
            Instant composedAt = envelope.occurredAt() == null ? at : envelope.occurredAt();
            List<Stop> stops = reconcile(c, worker, heartbeat, at, composedAt);
            if (heartbeat.draining()) {
                lifecycle.change(c, worker, WorkerState.DRAINING, "agent is draining");
            } else if (worker.state() == WorkerState.PROVISIONING || worker.state() == WorkerState.LOST) {
                lifecycle.change(c, worker, WorkerState.READY, "first heartbeat");
                LOG.infof("worker %s is READY at %s (%d slots, runtime %s)", worker.id(), worker.address(),
                        heartbeat.slots(), heartbeat.runtime());
                return new Applied(worker.state() == WorkerState.PROVISIONING, worker, stops);
            }
            return new Applied(false, worker, stops);
        });
        if (applied.firstHeartbeat()) {
            timeline.mark(heartbeat.workerId(), ProvisioningTimeline.Phase.FIRST_HEARTBEAT);
        }
        outbox.flushSoon();
        stop(applied.worker(), applied.stops());
    }

    /**
     * Stops attempts on the agent with a stopping fence (killed without a report when it holds them,
     * refused from then on), asynchronously: the heartbeat consumer does not wait for agents, and no
     * HTTP call runs inside a transaction. A stale attempt (one it still runs that the orchestrator
     * took back while it was lost or cut off) is only stopped, so it does not go on beside its
     * retry. A missing one is taken back only after the stop, as {@link HeldAttemptDecision#afterStop}
     * says, so a late-arriving assignment can never run beside its retry. Unanswered: the next
     * heartbeat that still calls for it asks again.
     */
    private void stop(WorkerRecord worker, List<Stop> stops) {
        for (Stop stop : stops) {
            String key = key(stop.executionId(), stop.attempt());
            if (!stopping.add(key)) {
                continue; // a stop of this attempt is in flight
            }
            if (stop.missing()) {
                LOG.infof("attempt %d of %s has been missing from worker %s's heartbeats since %s: stopping it on the "
                        + "agent before taking it back", stop.attempt(), stop.executionId(), worker.id(),
                        stop.missingSince());
            } else {
                LOG.warnf("worker %s still runs attempt %d of %s, which was taken back: stopping it", worker.id(),
                        stop.attempt(), stop.executionId());
            }
            agents.stop(worker, stop.executionId(), stop.attempt())
                    .thenAccept(answer -> afterStop(worker, stop, answer.orElse(null)))
                    .whenComplete((ignored, error) -> {
                        stopping.remove(key);
                        if (error != null) {
                            LOG.errorf(error, "could not settle the stop of attempt %d of %s on worker %s",
                                    stop.attempt(), stop.executionId(), worker.id());
                        }
                    });
        }
    }

    private void afterStop(WorkerRecord worker, Stop stop, Boolean finished) {
        HeldAttemptDecision.AfterStop after = HeldAttemptDecision.afterStop(finished);
        if (after == HeldAttemptDecision.AfterStop.ASK_AGAIN) {
            LOG.warnf("worker %s did not answer the stop of attempt %d of %s; its next heartbeat asks again",
                    worker.id(), stop.attempt(), stop.executionId());
        } else if (stop.missing() && after == HeldAttemptDecision.AfterStop.LEAVE_FOR_REPORT) {
            LOG.infof("worker %s finished attempt %d of %s: left for its report", worker.id(), stop.attempt(),
                    stop.executionId());
        } else if (stop.missing()) {
            database.inTransaction(c -> {
                workers.lock(c, worker.id()); // lock order: the worker row, then the execution's
                Optional<ExecutionRecord> current = lockCurrent(c, stop.executionId(), stop.attempt(), worker.id());
                if (current.isPresent()) {
                    transitions.takeBack(c, current.get(), FailureReason.WORKER_LOST,
                            TakeBackCause.MISSING_FROM_HEARTBEATS, "worker " + worker.id() + " no longer holds attempt "
                            + stop.attempt() + " (missing from its heartbeats since " + stop.missingSince()
                            + "; stopped on it first)");
                }
                return null;
            });
            outbox.flushSoon();
        }
    }
}
