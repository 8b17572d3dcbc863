package io.rgrid.orchestrator.health;

import io.rgrid.model.ExecutionState;
import io.rgrid.model.FailureReason;
import io.rgrid.model.event.WorkerState;
import io.rgrid.orchestrator.agent.AgentAnswers;
import io.rgrid.orchestrator.agent.AgentClient;
import io.rgrid.orchestrator.config.RgridConfig;
import io.rgrid.orchestrator.dispatch.Dispatcher;
import io.rgrid.orchestrator.metrics.ClusterStats;
import io.rgrid.orchestrator.outbox.OutboxWriter;
import io.rgrid.orchestrator.provider.CloudProvider;
import io.rgrid.orchestrator.queue.ExecutionRecord;
import io.rgrid.orchestrator.queue.ExecutionRepository;
import io.rgrid.orchestrator.queue.HeldExecutions;
import io.rgrid.orchestrator.queue.ExecutionTransitions;
import io.rgrid.orchestrator.queue.TakeBackCause;
import io.rgrid.orchestrator.registry.WorkerLifecycle;
import io.rgrid.orchestrator.registry.WorkerRecord;
import io.rgrid.orchestrator.registry.WorkerRepository;
import io.rgrid.platform.db.Transactions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds lost workers. A READY or DRAINING worker with no heartbeat applied for
 * {@code rgrid.orchestrator.health.lost-after}, or a PROVISIONING one with no first heartbeat
 * within the boot timeout, is only silent; {@link LivenessDecision} says whether it is LOST: only
 * once the heartbeat consumer is caught up ({@link HeartbeatFeed}: a Kafka outage or a lagging
 * consumer is not the workers' silence), only after the start-up grace, and for a worker that was
 * up only when a direct health probe of its agent fails too. Every age is on the database's clock.
 * A lost worker is marked LOST; the executions it held are taken back (requeued with attempt + 1,
 * or LOST when attempts are exhausted) once nothing of them can run any more (see {@link #lose}).
 * Each LOST counts in {@code rgrid_worker_lost_total{cause}}.
 */
@ApplicationScoped
public class HealthMonitor {

    private static final Logger LOG = Logger.getLogger(HealthMonitor.class);

    @Inject
    RgridConfig config;

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
    ExecutionTransitions transitions;

    @Inject
    CloudProvider provider;

    @Inject
    Dispatcher dispatcher;

    @Inject
    OutboxWriter outbox;

    @Inject
    AgentClient agents;

    @Inject
    HeartbeatFeed heartbeats;

    @Inject
    ClusterStats stats;

    /** The database's now() at this monitor's first check: the start-up grace counts from it. */
    private Instant firstCheck;
    /** Silent workers not declared LOST, with why, so the log says it once per change. */
    private final Map<String, String> suspects = new HashMap<>();

    /** Lost workers this monitor is deleting now (stop, leftovers, record): see {@link #deleting}. */
    private final Set<String> deleting = ConcurrentHashMap.newKeySet();

    /** Silent workers as of the database's clock. */
    private record Silence(Instant now, List<WorkerRecord> workers) {
    }

    public synchronized void check() {
        RgridConfig.Health health = config.orchestrator().health();
        Silence silence = database.read(c -> new Silence(workers.now(c),
                workers.silent(c, health.lostAfter(), health.bootTimeout())));
        if (firstCheck == null) {
            firstCheck = silence.now();
        }
        LivenessDecision.Feed feed = silence.workers().isEmpty() ? LivenessDecision.Feed.UNKNOWN
                : heartbeats.look(silence.now(), health.lostAfter().dividedBy(2));
        Map<String, String> stillSuspect = new HashMap<>();
        for (WorkerRecord worker : silence.workers()) {
            LivenessDecision.Facts facts = facts(worker, silence.now(), feed, health);
            LivenessDecision.Result result = LivenessDecision.decide(facts);
            if (result.verdict() == LivenessDecision.Verdict.PROBE) {
                result = LivenessDecision.decide(facts.withProbe(agents.probe(worker)
                        ? LivenessDecision.Probe.ANSWERED : LivenessDecision.Probe.FAILED));
            }
            if (result.verdict() == LivenessDecision.Verdict.LOST) {
                boolean booting = worker.state() == WorkerState.PROVISIONING;
                String why = booting
                        ? "no first heartbeat within " + health.bootTimeout()
                        : "no heartbeat since " + worker.lastHeartbeatAt() + " and no answer to a health probe";
                if (lose(worker.id(), result.cause(), why, true) && booting) {
                    stats.bootTimedOut();
                }
            } else if (result.verdict() == LivenessDecision.Verdict.SUSPECT) {
                stillSuspect.put(worker.id(), result.cause());
                if (!result.cause().equals(suspects.get(worker.id()))) {
                    LOG.warnf("worker %s is silent (last heartbeat applied %s) but not declared LOST: %s",
                            worker.id(), worker.lastHeartbeatAt(), result.cause());
                }
            }
        }
        suspects.clear();
        suspects.putAll(stillSuspect);
        enforceDeadlines();
    }

    private LivenessDecision.Facts facts(WorkerRecord worker, Instant now, LivenessDecision.Feed feed,
                                         RgridConfig.Health health) {
        Instant last = worker.lastHeartbeatAt() == null ? worker.createdAt() : worker.lastHeartbeatAt();
        return new LivenessDecision.Facts(worker.state(), Duration.between(last, now),
                Duration.between(worker.createdAt(), now), Duration.between(firstCheck, now), health.lostAfter(),
                health.bootTimeout(), feed, LivenessDecision.Probe.NOT_PROBED);
    }

    /**
     * The execution's deadline, enforced here for a worker that never reported the outcome
     * ({@link DeadlineDecision}: from RUNNING, {@code timeoutSeconds + start-allowance +
     * deadline-grace}): a RUNNING attempt ends TIMED_OUT (it had its whole budget; running it again
     * would break the user's limit), an attempt still ASSIGNED (the worker never started it) is
     * taken back (requeued with attempt + 1, or LOST). The worker is asked to cancel it, best effort.
     */
    void enforceDeadlines() {
        RgridConfig.Health health = config.orchestrator().health();
        List<HeldExecutions.DeadlineCandidate> candidates = database.inTransaction(c ->
                heldExecutions.pastTimeout(c, health.startAllowance().plus(health.deadlineGrace())));
        for (HeldExecutions.DeadlineCandidate candidate : candidates) {
            ExecutionRecord seen = candidate.execution();
            DeadlineDecision.Action action = DeadlineDecision.decide(new DeadlineDecision.Facts(seen.state(),
                    seen.cancelRequested(), seen.spec().timeoutSeconds(), candidate.sinceAssigned(),
                    candidate.sinceRunning(), health.startAllowance(), health.deadlineGrace()));
            if (action == DeadlineDecision.Action.NOT_DUE) {
                continue;
            }
            Optional<WorkerRecord> holder = database.inTransaction(c -> {
                Optional<ExecutionRecord> current = executions.lock(c, seen.id());
                if (current.isEmpty() || current.get().attempt() != seen.attempt()
                        || current.get().state() != seen.state()) {
                    return Optional.<WorkerRecord>empty(); // it moved on meanwhile: the next check looks again
                }
                ExecutionRecord execution = current.get();
                String why = "no outcome from worker " + execution.workerId() + " within the timeout ("
                        + execution.spec().timeoutSeconds() + " s) + " + health.startAllowance().toSeconds()
                        + " s to start + " + health.deadlineGrace().toSeconds() + " s since it was "
                        + (candidate.sinceRunning() == null ? "assigned" : "reported RUNNING");
                if (action == DeadlineDecision.Action.TIME_OUT) {
                    transitions.timeOut(c, execution, why);
                } else {
                    transitions.takeBack(c, execution, FailureReason.TIMEOUT, TakeBackCause.DEADLINE, why);
                }
                return workers.find(c, execution.workerId());
            });
            outbox.flushSoon();
            holder.ifPresent(worker -> {
                AgentAnswers.Cancel answer = agents.cancel(worker, seen.id());
                if (answer != AgentAnswers.Cancel.ACCEPTED) {
                    LOG.warnf("worker %s did not accept the cancel of overdue %s: %s", worker.id(), seen.id(), answer);
                }
            });
            dispatcher.wake();
        }
    }

    /**
     * Marks the worker LOST now, whatever its heartbeats say: when the orchestrator stops its local
     * agents, its server vanished, or its bootstrap failed.
     *
     * @param cause the {@code cause} tag of {@code rgrid_worker_lost_total}
     */
    public void loseAndTerminate(String workerId, String cause, String why) {
        lose(workerId, cause, why, false);
    }

    /**
     * Marks the worker LOST and takes its attempts back, but only once nothing of them can still
     * run: a worker the provider can delete is deleted first (its leftovers stopped, its server or
     * process gone), then its attempts are requeued with it DELETED ({@link #deleted}); when the
     * deletion fails they wait, LOST, for the reconciliation to delete it. A fixed (static) agent
     * has each attempt stopped on it first, when it answers ({@link #stopThenTakeBack}).
     *
     * @param onlyIfSilent lose it only if it is still silent (no heartbeat arrived since the check)
     * @return true when the worker was marked LOST here
     */
    private boolean lose(String workerId, String cause, String why, boolean onlyIfSilent) {
        RgridConfig.Health health = config.orchestrator().health();
        // What a dead agent left running must stop before its work goes to another worker.
        provider.stopLeftovers(workerId);
        Optional<WorkerRecord> lost = database.inTransaction(c -> {
            Optional<WorkerRecord> current = onlyIfSilent
                    ? workers.lockIfSilent(c, workerId, health.lostAfter(), health.bootTimeout())
                    : workers.lock(c, workerId);
            if (current.isEmpty() || !LOSABLE.contains(current.get().state())) {
                return Optional.<WorkerRecord>empty(); // a heartbeat arrived meanwhile, or already LOST
            }
            lifecycle.change(c, current.get(), WorkerState.LOST, why);
            return current;
        });
        if (lost.isEmpty()) {
            return false;
        }
        stats.workerLost(cause);
        LOG.warnf("worker %s is LOST (%s): %s", workerId, cause, why);
        outbox.flushSoon();
        if (deletable(lost.get())) {
            deleting.add(workerId);
            try {
                Optional<Instant> billedUntil = provider.terminate(workerId);
                // A frozen agent was alive above, so its containers are removed only now that it is stopped.
                provider.stopLeftovers(workerId);
                deleted(workerId, billedUntil, "deleted after it was lost");
            } catch (RuntimeException e) {
                LOG.errorf(e, "could not delete lost worker %s; it stays LOST, its attempts wait until the "
                        + "reconciliation deletes it", workerId);
            } finally {
                deleting.remove(workerId);
            }
        } else {
            stopThenTakeBack(lost.get(), why);
        }
        dispatcher.wake();
        return true;
    }

    /**
     * A lost worker the provider cannot delete (a static agent, run by someone else): each of its
     * attempts is first stopped on the agent (a stopping fence: killed without a report, refused
     * from then on), all at once, each bounded by {@code dispatch.ack-timeout}; then the stopped
     * ones and those the agent did not answer for are taken back (requeued with attempt + 1, or
     * LOST), while one the agent says it finished is left for its report, already in Kafka. An
     * unanswered attempt is taken back too, since the agent may be gone for good: should it come
     * back still running it, its heartbeats list it and the heartbeat reconciliation stops it then
     * ({@code HeartbeatHandler}). Nothing is taken back here once a heartbeat made the worker READY
     * again meanwhile; the reconciliation settles its attempts.
     */
    private void stopThenTakeBack(WorkerRecord worker, String why) {
        List<ExecutionRecord> held = database.read(c -> heldExecutions.onWorker(c, worker.id()));
        Map<ExecutionRecord, CompletableFuture<Optional<Boolean>>> stops = new LinkedHashMap<>();
        held.forEach(execution -> stops.put(execution, agents.stop(worker, execution.id(), execution.attempt())));
        Map<ExecutionRecord, String> back = new LinkedHashMap<>();
        int stopped = 0;
        int unanswered = 0;
        for (Map.Entry<ExecutionRecord, CompletableFuture<Optional<Boolean>>> stop : stops.entrySet()) {
            Optional<Boolean> answer = stop.getValue().join();
            if (answer.isEmpty()) {
                unanswered++;
                back.put(stop.getKey(), "; its agent did not answer the stop of the attempt");
            } else if (!answer.get()) {
                stopped++;
                back.put(stop.getKey(), "; the attempt was stopped on its agent first");
            }
        }
        if (!held.isEmpty()) {
            LOG.infof("lost static worker %s: of its %d attempts %d stopped on the agent, %d unanswered, %d finished "
                    + "(left for their reports)", worker.id(), held.size(), stopped, unanswered,
                    held.size() - stopped - unanswered);
        }
        database.inTransaction(c -> {
            Optional<WorkerRecord> current = workers.lock(c, worker.id());
            if (current.isEmpty() || current.get().state() != WorkerState.LOST) {
                return null;
            }
            for (Map.Entry<ExecutionRecord, String> entry : back.entrySet()) {
                ExecutionRecord seen = entry.getKey();
                Optional<ExecutionRecord> execution = executions.lock(c, seen.id()).filter(e -> e.attempt()
                        == seen.attempt() && worker.id().equals(e.workerId())
                        && ExecutionState.ON_WORKER.contains(e.state()));
                if (execution.isPresent()) {
                    transitions.takeBack(c, execution.get(), FailureReason.WORKER_LOST, TakeBackCause.WORKER_LOST,
                            "worker " + worker.id() + " lost: " + why + entry.getValue());
                }
            }
            return null;
        });
        outbox.flushSoon();
    }

    /**
     * The LOST worker's server (or process) is gone: its attempts are taken back (nothing of them
     * runs any more) and it is DELETED, in one transaction. Also the reconciliation's, when it
     * deleted the server of a LOST worker.
     */
    public void deleted(String workerId, Optional<Instant> billedUntil, String detail) {
        database.inTransaction(c -> {
            Optional<WorkerRecord> current = workers.lock(c, workerId);
            if (current.isPresent() && current.get().state() == WorkerState.LOST) {
                takeBackAll(c, workerId, "worker " + workerId + " lost, and " + detail);
                lifecycle.deleted(c, current.get(), billedUntil, detail);
            }
            return null;
        });
        outbox.flushSoon();
        dispatcher.wake();
    }

    private void takeBackAll(Connection c, String workerId, String why) throws SQLException {
        for (ExecutionRecord execution : heldExecutions.onWorker(c, workerId)) {
            transitions.takeBack(c, execution, FailureReason.WORKER_LOST, TakeBackCause.WORKER_LOST, why);
        }
    }

    /**
     * True while this monitor deletes the lost worker: its server or process may be gone from the
     * provider's list while its containers still run (a frozen local agent's are removed after it is
     * stopped), so the reconciliation must not take its attempts back meanwhile.
     */
    public boolean deleting(String workerId) {
        return deleting.contains(workerId);
    }

    /** Whether the provider can delete this worker (and so stop whatever it still runs). */
    private boolean deletable(WorkerRecord worker) {
        return provider.name().equals(worker.provider()) && provider.scalable();
    }

    /** The states a worker can be lost from. */
    private static final Set<WorkerState> LOSABLE = EnumSet.of(WorkerState.PROVISIONING, WorkerState.READY,
            WorkerState.DRAINING);
}
