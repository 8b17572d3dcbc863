package io.rgrid.orchestrator.health;

import io.rgrid.model.ExecutionState;
import io.rgrid.model.FailureReason;
import io.rgrid.model.event.WorkerState;
import io.rgrid.orchestrator.agent.AgentAnswers;
import io.rgrid.orchestrator.agent.AgentClient;
import io.rgrid.orchestrator.config.RgridConfig;
import io.rgrid.orchestrator.dispatch.Dispatcher;
import io.rgrid.orchestrator.outbox.OutboxWriter;
import io.rgrid.orchestrator.provider.CloudProvider;
import io.rgrid.orchestrator.queue.ExecutionRecord;
import io.rgrid.orchestrator.queue.ExecutionRepository;
import io.rgrid.orchestrator.queue.ExecutionTransitions;
import io.rgrid.orchestrator.registry.WorkerLifecycle;
import io.rgrid.orchestrator.registry.WorkerRecord;
import io.rgrid.orchestrator.registry.WorkerRepository;
import io.rgrid.platform.db.Transactions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Finds lost workers: a READY or DRAINING worker silent for longer than
 * {@code rgrid.orchestrator.health.lost-after} (3 missed 30 s heartbeats), or a PROVISIONING one
 * that never sent its first heartbeat within the boot timeout. A lost worker is marked LOST, the
 * executions it held are taken back (requeued with attempt + 1, or LOST when attempts are
 * exhausted) in the same transaction, and then the provider deletes it.
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
    io.rgrid.orchestrator.metrics.ClusterStats stats;

    public void check() {
        Instant now = Instant.now();
        Instant heartbeatBefore = now.minus(config.orchestrator().health().lostAfter());
        Instant bootBefore = now.minus(config.orchestrator().health().bootTimeout());
        List<WorkerRecord> silent = database.inTransaction(c -> workers.silent(c, heartbeatBefore, bootBefore));
        for (WorkerRecord worker : silent) {
            boolean booting = worker.state() == WorkerState.PROVISIONING;
            String why = booting
                    ? "no first heartbeat within " + config.orchestrator().health().bootTimeout()
                    : "no heartbeat since " + worker.lastHeartbeatAt();
            if (loseAndTerminate(worker.id(), why, heartbeatBefore, bootBefore) && booting) {
                stats.bootTimedOut();
            }
        }
        enforceDeadlines(now);
    }

    /**
     * The execution's deadline, enforced here for a worker that never reported the outcome: once
     * {@code timeoutSeconds + deadline-grace} have passed since the assignment, a RUNNING attempt
     * ends TIMED_OUT (it had its whole budget; running it again would break the user's limit), an
     * attempt still ASSIGNED (the worker never started it) is taken back like a refused one
     * (requeued with attempt + 1, or LOST). The worker is asked to cancel it, best effort.
     */
    void enforceDeadlines(Instant now) {
        var grace = config.orchestrator().health().deadlineGrace();
        List<ExecutionRecord> overdue = database.inTransaction(c -> executions.overdue(c, grace));
        for (ExecutionRecord seen : overdue) {
            Optional<WorkerRecord> holder = database.inTransaction(c -> {
                Optional<ExecutionRecord> current = executions.lock(c, seen.id());
                if (current.isEmpty() || current.get().attempt() != seen.attempt()
                        || !ExecutionState.ON_WORKER.contains(current.get().state())) {
                    return Optional.<WorkerRecord>empty();
                }
                ExecutionRecord execution = current.get();
                String why = "no outcome from worker " + execution.workerId() + " within the timeout ("
                        + execution.spec().timeoutSeconds() + " s) + " + grace.toSeconds() + " s since it was assigned";
                if (execution.state() == ExecutionState.RUNNING && !execution.cancelRequested()) {
                    transitions.timeOut(c, execution, why);
                } else {
                    transitions.takeBack(c, execution, FailureReason.TIMEOUT, why);
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

    /** Marks the worker LOST now, whatever its heartbeats say (used when the orchestrator stops its local agents). */
    public void loseAndTerminate(String workerId, String why) {
        Instant never = Instant.MAX;
        loseAndTerminate(workerId, why, never, never);
    }

    /** @return true when the worker was found silent and marked LOST here */
    private boolean loseAndTerminate(String workerId, String why, Instant heartbeatBefore, Instant bootBefore) {
        // What a dead agent left running must stop before its work goes to another worker.
        provider.stopLeftovers(workerId);
        Optional<WorkerRecord> lost = database.inTransaction(c -> {
            Optional<WorkerRecord> current = workers.lock(c, workerId);
            if (current.isEmpty() || !stillSilent(current.get(), heartbeatBefore, bootBefore)) {
                return Optional.<WorkerRecord>empty(); // a heartbeat arrived meanwhile
            }
            WorkerRecord worker = current.get();
            lifecycle.change(c, worker, WorkerState.LOST, why);
            for (ExecutionRecord execution : executions.onWorker(c, workerId)) {
                transitions.takeBack(c, execution, FailureReason.WORKER_LOST, "worker " + workerId + " lost: " + why);
            }
            return current;
        });
        if (lost.isEmpty()) {
            return false;
        }
        LOG.warnf("worker %s is LOST: %s", workerId, why);
        outbox.flushSoon();
        dispatcher.wake();
        if (!provider.name().equals(lost.get().provider()) || !provider.scalable()) {
            return true; // a fixed agent stays LOST until it heartbeats again
        }
        try {
            provider.terminate(workerId);
            database.inTransaction(c -> {
                Optional<WorkerRecord> current = workers.lock(c, workerId);
                if (current.isPresent() && current.get().state() == WorkerState.LOST) {
                    lifecycle.change(c, current.get(), WorkerState.DELETED, "deleted after it was lost");
                }
                return null;
            });
            outbox.flushSoon();
        } catch (RuntimeException e) {
            LOG.errorf(e, "could not delete lost worker %s; it stays LOST", workerId);
        }
        return true;
    }

    private static boolean stillSilent(WorkerRecord worker, Instant heartbeatBefore, Instant bootBefore) {
        return switch (worker.state()) {
            case READY, DRAINING -> {
                Instant last = worker.lastHeartbeatAt() == null ? worker.createdAt() : worker.lastHeartbeatAt();
                yield last.isBefore(heartbeatBefore);
            }
            case PROVISIONING -> worker.createdAt().isBefore(bootBefore);
            case LOST, DELETED -> false;
        };
    }
}
