package io.rgrid.orchestrator.dispatch;

import io.rgrid.model.ExecutionState;
import io.rgrid.model.FailureReason;
import io.rgrid.model.agent.Assignment;
import io.rgrid.model.event.WorkerState;
import io.rgrid.orchestrator.agent.AgentAnswers;
import io.rgrid.orchestrator.agent.AgentClient;
import io.rgrid.orchestrator.config.FaultPoints;
import io.rgrid.orchestrator.config.RgridConfig;
import io.rgrid.orchestrator.metrics.ClusterStats;
import io.rgrid.orchestrator.outbox.OutboxWriter;
import io.rgrid.orchestrator.queue.ExecutionRecord;
import io.rgrid.orchestrator.queue.ExecutionRepository;
import io.rgrid.orchestrator.queue.HeldExecutions;
import io.rgrid.orchestrator.queue.ExecutionTransitions;
import io.rgrid.orchestrator.queue.TakeBackCause;
import io.rgrid.orchestrator.registry.WorkerRecord;
import io.rgrid.orchestrator.registry.WorkerRepository;
import io.rgrid.platform.db.Transactions;
import io.rgrid.platform.leader.LeaderLease;
import io.rgrid.platform.signal.RoundLoop;
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
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Hands queued executions to workers. One thread, woken by new work, heartbeats and reports and
 * by a short periodic tick. Per placement: the assignment is committed first (ASSIGNED plus its
 * event, in one transaction), then POSTed to the agent. Its 2xx is the agent's acknowledgement
 * (recorded after the answer); a refusal (4xx) puts the execution back in the queue at the same
 * attempt; no answer within the ack timeout (or a 5xx) goes through the fence ({@link
 * #fenceOrTakeBack}). A worker that refused or did not answer is skipped for a short cool-down.
 */
@ApplicationScoped
public class Dispatcher {

    private static final Logger LOG = Logger.getLogger(Dispatcher.class);
    /** Where each round's time goes, at DEBUG (off unless asked for: bench/orchestrator-dispatch.sh). */
    private static final Logger TIMINGS = Logger.getLogger("io.rgrid.orchestrator.dispatch.timings");
    /** Placements recorded per transaction: a whole round (Ray mode, too, records its round in one). */
    private static final int COMMIT_BATCH = DispatchPlanner.ROUND_LIMIT;
    /** How long a worker that refused or ignored an assignment is left alone. */
    private static final Duration REFUSAL_COOL_DOWN = Duration.ofSeconds(10);

    @Inject
    RgridConfig config;

    @Inject
    FaultPoints faultPoints;

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
    WorkerRepository workers;

    @Inject
    AgentClient agents;

    @Inject
    OutboxWriter outbox;

    @Inject
    ClusterStats stats;

    /** Assignments POSTed and not yet answered, at most. */
    private static final int MAX_IN_FLIGHT = 128;

    /** Ray dispatch mode: when connected, it dispatches instead of this class (docs/ray.md). */
    @Inject
    RayMode ray;

    /**
     * A round that placed something goes again at once: more may be queued than one round looks
     * at, and capacity may remain.
     */
    private final RoundLoop loop = new RoundLoop("dispatcher", Duration.ofSeconds(10),
            () -> config.orchestrator().dispatch().tick(), this::dispatchRound, e -> {
                LOG.warnf(e, "dispatch round failed");
                return config.orchestrator().dispatch().tick();
            });
    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
    private final Map<String, Instant> coolingDown = new ConcurrentHashMap<>();

    public void wake() {
        loop.wake();
        ray.wake();
    }

    /** Starts this dispatcher's loop, or, when Ray dispatch is connected, Ray's instead. */
    public synchronized void start() {
        if (ray.active()) {
            ray.start();
            return;
        }
        loop.start();
    }

    public synchronized void stop() {
        ray.stop();
        loop.stop();
    }

    /**
     * One round: plan on a consistent snapshot, then commit and send each placement.
     *
     * @return true when something was assigned
     */
    boolean dispatchRound() {
        if (!leader.isLeader()) {
            return false; // a standby: the leader dispatches (Leadership)
        }
        long started = System.nanoTime();
        Snapshot snapshot = database.inTransaction(c -> new Snapshot(
                executions.queued(c, DispatchPlanner.ROUND_LIMIT), workers.live(c), heldExecutions.heldPerWorker(c)));
        if (snapshot.queued.isEmpty()) {
            return false;
        }
        Instant now = Instant.now();
        coolingDown.values().removeIf(until -> until.isBefore(now));
        List<DispatchPlanner.Capacity> capacities = capacities(snapshot);
        if (capacities.isEmpty()) {
            return false;
        }
        List<DispatchPlanner.Candidate> candidates = snapshot.queued.stream()
                .map(e -> new DispatchPlanner.Candidate(e.id(), e.projectId(), e.spec().cpus(), e.spec().memoryMb(),
                        e.spec().machine()))
                .toList();
        Map<String, WorkerRecord> workersById = snapshot.workers.stream()
                .collect(Collectors.toMap(WorkerRecord::id, Function.identity()));
        Map<UUID, ExecutionRecord> queuedById = snapshot.queued.stream()
                .collect(Collectors.toMap(ExecutionRecord::id, Function.identity()));
        List<DispatchPlanner.Placement> placements = DispatchPlanner.plan(candidates, capacities);
        long planned = System.nanoTime();
        int assigned = 0;
        for (int from = 0; from < placements.size(); from += COMMIT_BATCH) {
            assigned += assignAndSend(placements.subList(from, Math.min(placements.size(), from + COMMIT_BATCH)),
                    queuedById, workersById);
        }
        if (TIMINGS.isDebugEnabled()) {
            TIMINGS.debugf("round: %d candidates, %d placed; snapshot+plan %.1f ms, record+send %.1f ms",
                    (Object) snapshot.queued.size(), assigned, (planned - started) / 1e6, (System.nanoTime() - planned) / 1e6);
        }
        return assigned > 0;
    }

    private List<DispatchPlanner.Capacity> capacities(Snapshot snapshot) {
        List<DispatchPlanner.Capacity> out = new ArrayList<>();
        for (WorkerRecord worker : snapshot.workers) {
            if (!worker.acceptsWork() || coolingDown.containsKey(worker.id())) {
                continue;
            }
            HeldExecutions.Held mine = snapshot.held.getOrDefault(worker.id(), HeldExecutions.Held.NONE);
            out.add(new DispatchPlanner.Capacity(worker.id(), worker.slots() - mine.count(),
                    worker.totalCpus() - mine.cpus(), worker.totalMemoryMb() - mine.memoryMb(), worker.serverType()));
        }
        return out;
    }

    /**
     * Records a batch of placements in one transaction (ASSIGNED plus its event, per execution,
     * written with one UPDATE and one batched outbox insert), then sends each. One commit per
     * batch, not per assignment: under a deep queue the commit is what bounds throughput; a lone
     * submission is a batch of one, so latency is unchanged.
     *
     * @return how many were recorded
     */
    private int assignAndSend(List<DispatchPlanner.Placement> batch, Map<UUID, ExecutionRecord> queuedById,
                              Map<String, WorkerRecord> workersById) {
        long batchStarted = System.nanoTime();
        List<ExecutionTransitions.Placement> recorded = database.inTransaction(c -> {
            // Workers first, in id order (the order the health monitor and the autoscaler lock
            // in): one being drained, lost or deleted since the snapshot gets nothing.
            Map<String, Boolean> accepting = new HashMap<>();
            for (String workerId : batch.stream().map(DispatchPlanner.Placement::workerId).distinct().sorted()
                    .toList()) {
                accepting.put(workerId, workers.lockShared(c, workerId).map(WorkerRecord::acceptsWork).orElse(false));
            }
            // Then the executions, in one statement: one cancelled or changed since the snapshot
            // (no longer QUEUED with the same attempt) is left out.
            return transitions.assignAll(c, batch.stream()
                    .filter(p -> accepting.get(p.workerId()))
                    .map(p -> new ExecutionTransitions.Placement(queuedById.get(p.executionId()), p.workerId()))
                    .toList());
        });
        if (recorded.isEmpty()) {
            return 0;
        }
        long committed = System.nanoTime();
        outbox.flushSoon();
        Instant assignedAt = Instant.now();
        for (ExecutionTransitions.Placement r : recorded) {
            ExecutionRecord execution = r.execution().assignedTo(r.workerId(), assignedAt);
            if (execution.queuedAt() != null) {
                stats.dispatched(Duration.between(execution.queuedAt(), execution.assignedAt()));
            }
            LOG.debugf("assigned %s attempt %d to %s", execution.id(), execution.attempt(), r.workerId());
            faultPoints.reached(FaultPoints.AFTER_RECORD);
            send(execution, workersById.get(r.workerId()));
        }
        if (TIMINGS.isDebugEnabled()) {
            TIMINGS.debugf("batch: %d recorded in %.1f ms (transaction), sent in %.1f ms", (Object) recorded.size(),
                    (committed - batchStarted) / 1e6, (System.nanoTime() - committed) / 1e6);
        }
        return recorded.size();
    }

    /**
     * Sends again every assignment that is recorded but not yet confirmed by a RUNNING report:
     * after a crash between the commit and the POST, the agent may never have received it. Agents
     * accept the same assignment (execution and attempt) only once, so a second delivery of one
     * they hold is harmless. Called once at start.
     */
    public void resendAssigned() {
        if (ray.active()) {
            ray.recoverAtStart();
        }
        record Pending(ExecutionRecord execution, WorkerRecord worker) {
        }
        List<Pending> pending = database.inTransaction(c -> {
            List<Pending> out = new ArrayList<>();
            for (ExecutionRecord execution : heldExecutions.assigned(c)) {
                if (RayMode.PLACEMENT.equals(execution.workerId())) {
                    continue; // Ray placement: not an agent's to resend (RayMode.recoverAtStart)
                }
                out.add(new Pending(execution, workers.lock(c, execution.workerId()).orElse(null)));
            }
            return out;
        });
        for (Pending p : pending) {
            if (p.worker() == null || p.worker().address() == null) {
                takeBack(p.execution(), p.worker(), TakeBackCause.UNKNOWN_WORKER,
                        "its worker " + p.execution().workerId() + " is unknown");
            } else {
                LOG.infof("re-sending %s attempt %d to %s", p.execution().id(), p.execution().attempt(),
                        p.worker().id());
                send(p.execution(), p.worker());
            }
        }
    }

    /**
     * POSTs the assignment without waiting for the answer; at most {@link #MAX_IN_FLIGHT} are
     * unanswered at a time (the caller waits for a free one), so a deep queue neither opens a
     * connection per assignment nor lets answers queue up past the ack timeout.
     */
    private void send(ExecutionRecord execution, WorkerRecord worker) {
        Assignment assignment = assignments.of(execution, worker.id());
        inFlight.acquireUninterruptibly();
        agents.assign(worker, assignment).whenComplete((outcome, error) -> inFlight.release()).thenAccept(outcome -> {
            faultPoints.reached(FaultPoints.AFTER_SEND);
            switch (outcome) {
                case AgentClient.Outcome.Accepted accepted -> {
                    LOG.debugf("%s accepted %s attempt %d", worker.id(), execution.id(), execution.attempt());
                    acknowledged(execution, worker);
                }
                case AgentClient.Outcome.Refused refused -> release(execution, worker,
                        "worker " + worker.id() + " refused the assignment before starting it (HTTP "
                                + refused.status() + " " + refused.body() + ")",
                        (c, current) -> transitions.unassign(c, current, "worker " + worker.id()
                                + " refused it (HTTP " + refused.status() + ")"));
                case AgentClient.Outcome.NoAnswer noAnswer -> fenceOrTakeBack(execution, worker, noAnswer.error());
            }
        });
    }

    /**
     * The agent did not answer the assignment in time: it may hold the attempt all the same (a slow
     * answer), so taking it back at once could let two attempts run. The agent is asked to fence the
     * attempt; only when it confirms that it does not hold it (and so will refuse it from now on) is
     * the attempt taken back; when it holds it, that is its acknowledgement. When it answers
     * neither, the attempt stays ASSIGNED and unacknowledged (the heartbeat reconciliation leaves
     * such an attempt alone) and the fence is sent again after a cool-down, for as long as the
     * attempt is so and its worker live; a worker that goes silent is the health monitor's.
     */
    private void fenceOrTakeBack(ExecutionRecord execution, WorkerRecord worker, String error) {
        coolingDown.put(worker.id(), Instant.now().plus(REFUSAL_COOL_DOWN));
        agents.fence(worker, execution.id(), execution.attempt()).thenAccept(held -> {
            if (held.isEmpty()) {
                LOG.warnf("worker %s answered neither the assignment of %s attempt %d (%s) nor its fence; it stays"
                        + " ASSIGNED and the fence is sent again in %s", worker.id(), execution.id(),
                        execution.attempt(), error, REFUSAL_COOL_DOWN);
                CompletableFuture.delayedExecutor(REFUSAL_COOL_DOWN.toMillis(), TimeUnit.MILLISECONDS)
                        .execute(() -> fenceAgain(execution, worker, error));
            } else if (held.get()) {
                LOG.infof("worker %s holds %s attempt %d after all (its answer was lost: %s)", worker.id(),
                        execution.id(), execution.attempt(), error);
                acknowledged(execution, worker);
            } else {
                // Fenced: it never ran and never will there, so like a refusal it is not an attempt.
                String why = "worker " + worker.id() + " did not accept the assignment (" + error
                        + ") and confirmed that it does not hold it";
                release(execution, worker, why, (c, current) -> transitions.unassign(c, current, why));
            }
        });
    }

    /** {@link #fenceOrTakeBack} again, while this leader still has the attempt ASSIGNED, unacknowledged, to a live worker. */
    private void fenceAgain(ExecutionRecord execution, WorkerRecord worker, String error) {
        try {
            boolean pending = leader.isLeader() && database.read(c -> heldExecutions.unacknowledged(c, execution.id(),
                    execution.attempt(), worker.id()) && workers.find(c, worker.id())
                    .map(w -> w.state() == WorkerState.READY || w.state() == WorkerState.DRAINING).orElse(false));
            if (pending) {
                fenceOrTakeBack(execution, worker, error);
            }
        } catch (RuntimeException e) {
            LOG.errorf(e, "could not fence %s attempt %d again; it stays ASSIGNED", execution.id(), execution.attempt());
        }
    }

    /**
     * Records the agent's acknowledgement of the attempt (a transaction of its own, after the HTTP
     * answer): from now on the heartbeat reconciliation may judge it missing. A cancel requested
     * while the assignment was on its way reached an agent that did not hold the attempt yet
     * (NOT_HELD, ExecutionCommandHandler): it is sent again now that the agent holds it, so the
     * attempt does not run on until its deadline.
     */
    private void acknowledged(ExecutionRecord execution, WorkerRecord worker) {
        boolean cancelRequested;
        try {
            cancelRequested = database.inTransaction(c -> {
                heldExecutions.acknowledge(c, execution.id(), execution.attempt(), worker.id());
                return executions.find(c, execution.id()).filter(current -> current.cancelRequested()
                        && current.attempt() == execution.attempt() && worker.id().equals(current.workerId())
                        && ExecutionState.ON_WORKER.contains(current.state())).isPresent();
            });
        } catch (RuntimeException e) {
            // Left unacknowledged: the re-send at the next start, its RUNNING report or a fence records it.
            LOG.errorf(e, "could not record that %s acknowledged %s attempt %d", worker.id(), execution.id(),
                    execution.attempt());
            return;
        }
        if (cancelRequested) {
            AgentAnswers.Cancel answer = agents.cancel(worker, execution.id());
            LOG.infof("passed the cancel of %s on to worker %s now that it holds attempt %d (%s)", execution.id(),
                    worker.id(), execution.attempt(), answer);
        }
    }

    /** Takes the attempt back unless the worker has already reported on it (its answer was lost, not its work). */
    private void takeBack(ExecutionRecord sent, WorkerRecord worker, TakeBackCause cause, String why) {
        release(sent, worker, why, (c, current) -> transitions.takeBack(c, current, FailureReason.WORKER_LOST, cause,
                why));
    }

    /** What {@link #release} does with the attempt, in its transaction. */
    @FunctionalInterface
    private interface Release {
        void apply(Connection c, ExecutionRecord current) throws SQLException;
    }

    /**
     * Applies {@code release} to the attempt if it is still ASSIGNED to that worker (not reported
     * on, not taken back meanwhile), and keeps the worker out of the next rounds for a while.
     */
    private void release(ExecutionRecord sent, WorkerRecord worker, String why, Release release) {
        LOG.warnf("%s; taking back %s attempt %d", why, sent.id(), sent.attempt());
        if (worker != null) {
            coolingDown.put(worker.id(), Instant.now().plus(REFUSAL_COOL_DOWN));
        }
        try {
            database.inTransaction(c -> {
                Optional<ExecutionRecord> current = executions.lock(c, sent.id());
                if (current.isPresent() && current.get().state() == ExecutionState.ASSIGNED
                        && current.get().attempt() == sent.attempt()
                        && sent.workerId() != null && sent.workerId().equals(current.get().workerId())) {
                    release.apply(c, current.get());
                }
                return null;
            });
            outbox.flushSoon();
        } catch (RuntimeException e) {
            // Left ASSIGNED to a worker that does not run it; the health monitor's lost-worker
            // check, or a later reconciliation against heartbeats, takes it back.
            LOG.errorf(e, "could not take back %s attempt %d", sent.id(), sent.attempt());
        }
        wake();
    }

    private record Snapshot(List<ExecutionRecord> queued, List<WorkerRecord> workers,
                            Map<String, HeldExecutions.Held> held) {
    }
}
