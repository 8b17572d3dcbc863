package io.rgrid.orchestrator.dispatch.ray;

import io.rgrid.model.ExecutionState;
import io.rgrid.model.FailureReason;
import io.rgrid.model.event.WorkerState;
import io.rgrid.orchestrator.agent.AgentAnswers;
import io.rgrid.orchestrator.agent.AgentClient;
import io.rgrid.orchestrator.dispatch.RayMode;
import io.rgrid.orchestrator.outbox.OutboxWriter;
import io.rgrid.orchestrator.queue.ExecutionRecord;
import io.rgrid.orchestrator.queue.ExecutionRepository;
import io.rgrid.orchestrator.queue.ExecutionTransitions;
import io.rgrid.orchestrator.queue.TakeBackCause;
import io.rgrid.orchestrator.registry.WorkerRecord;
import io.rgrid.orchestrator.registry.WorkerRepository;
import io.rgrid.platform.db.Transactions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Ray mode's take-backs and their fences ({@link RayDispatcher}, step 3): an attempt taken back
 * is stopped on every agent that may hold it before its execution may be dispatched again. Each
 * round a fence waits for the requeue's event to leave the outbox, then asks each agent to cancel
 * and awaits the end there; {@link FenceDecision} reads the answers.
 */
@ApplicationScoped
public class RayFences {

    private static final Logger LOG = Logger.getLogger(RayFences.class);
    /** A fence gives up on an agent that stays unreachable this long (it is lost by then). */
    private static final Duration FENCE_GIVE_UP = Duration.ofMinutes(3);

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
    AgentClient agents;

    /** Attempts being stopped before their execution may be dispatched again, by execution. */
    private final Map<UUID, Fence> fences = new ConcurrentHashMap<>();

    public boolean isEmpty() {
        return fences.isEmpty();
    }

    public boolean holds(UUID executionId) {
        return fences.containsKey(executionId);
    }

    /** Executions waiting for an old attempt to stop. */
    public Set<UUID> fenced() {
        return Set.copyOf(fences.keySet());
    }

    /**
     * Takes the attempt back (attempt + 1, or LOST/CANCELLED) and fences it, unless it is no
     * longer current or an agent says it has already finished (its outcome report is on its way).
     *
     * @return true when it went as far as the take-back (the dispatcher is then woken)
     */
    public boolean takeBack(UUID id, int attempt, String why) {
        Optional<ExecutionRecord> seen = database.inTransaction(c -> executions.find(c, id));
        if (seen.isEmpty() || seen.get().attempt() != attempt
                || !ExecutionState.ON_WORKER.contains(seen.get().state())) {
            return false;
        }
        List<WorkerRecord> holders = possibleHolders(seen.get());
        for (WorkerRecord worker : holders) {
            if (agents.attempt(worker, id, attempt) == AgentAnswers.Attempt.FINISHED) {
                LOG.infof("%s attempt %d: %s, but worker %s has finished it; its report decides", id, attempt, why,
                        worker.id());
                return false;
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
        return true;
    }

    /** The agent that reported the attempt RUNNING, or, while Ray is still placing it, every live agent. */
    private List<WorkerRecord> possibleHolders(ExecutionRecord execution) {
        return database.inTransaction(c -> {
            if (execution.workerId() != null && !RayMode.PLACEMENT.equals(execution.workerId())) {
                return workers.find(c, execution.workerId()).filter(RayFences::reachable).stream().toList();
            }
            return workers.live(c).stream().filter(RayFences::reachable).toList();
        });
    }

    static boolean reachable(WorkerRecord worker) {
        return (worker.state() == WorkerState.READY || worker.state() == WorkerState.DRAINING)
                && worker.address() != null && worker.token() != null;
    }

    /**
     * Moves each fence on: wait for the requeue's event, cancel at each target, wait for its end.
     *
     * @return true when a fence was lifted (its execution may be dispatched now)
     */
    public boolean round() {
        boolean lifted = false;
        for (Fence fence : List.copyOf(fences.values())) {
            if (!fence.published()) {
                if (database.inTransaction(c -> outbox.unpublished(c, fence.executionId().toString()))) {
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
                Fence.Step step = target.getValue();
                if (step == Fence.Step.CANCEL) {
                    step = FenceDecision.afterCancel(agents.cancel(worker, fence.executionId()));
                }
                if (step == Fence.Step.AWAIT_END) {
                    step = FenceDecision.afterAttempt(agents.attempt(worker, fence.executionId(), fence.attempt()));
                }
                if (step != Fence.Step.RELEASED && FenceDecision.afterRound(step, overdue) == Fence.Step.RELEASED) {
                    LOG.errorf("%s attempt %d: worker %s has not confirmed its end within %s; releasing the "
                            + "next attempt anyway", fence.executionId(), fence.attempt(), worker.id(), FENCE_GIVE_UP);
                    step = Fence.Step.RELEASED;
                }
                if (step == Fence.Step.RELEASED) {
                    fence.targets().remove(target.getKey());
                } else {
                    target.setValue(step);
                }
            }
            if (fence.targets().isEmpty()) {
                fences.remove(fence.executionId());
                LOG.infof("%s attempt %d is stopped everywhere; the next attempt may run", fence.executionId(),
                        fence.attempt());
                lifted = true;
            }
        }
        return lifted;
    }
}
