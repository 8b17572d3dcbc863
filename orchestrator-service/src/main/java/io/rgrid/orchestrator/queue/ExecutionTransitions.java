package io.rgrid.orchestrator.queue;

import io.rgrid.model.ExecutionState;
import io.rgrid.model.ExecutionStateMachine;
import io.rgrid.model.FailureReason;
import io.rgrid.model.event.ExecutionStatusChanged;
import io.rgrid.orchestrator.outbox.OutboxWriter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;

/**
 * Every change the orchestrator makes to an execution, each approved by
 * {@link ExecutionStateMachine} and reported through the outbox in the caller's transaction.
 * Callers pass a record they read with {@link ExecutionRepository#lock}.
 */
@ApplicationScoped
public class ExecutionTransitions {

    private static final Logger LOG = Logger.getLogger(ExecutionTransitions.class);

    /** The worker id of an attempt Ray is placing ({@code dispatch.ray.RayDispatcher#PLACEMENT}). */
    private static final String RAY_PLACEMENT = "ray";

    @Inject
    ExecutionRepository executions;

    @Inject
    OutboxWriter outbox;

    /** QUEUED → ASSIGNED to {@code workerId}; the assignment is recorded before it is sent. */
    public void assign(Connection c, ExecutionRecord execution, String workerId) throws SQLException {
        ExecutionStateMachine.check(execution.state(), ExecutionState.ASSIGNED);
        executions.markAssigned(c, execution.id(), workerId);
        report(c, execution, execution.attempt(), ExecutionState.ASSIGNED, workerId, null, null);
    }

    /** A user's cancel of an execution no worker holds: QUEUED → CANCELLED. */
    public void cancelQueued(Connection c, ExecutionRecord execution) throws SQLException {
        ExecutionStateMachine.check(execution.state(), ExecutionState.CANCELLED);
        executions.setState(c, execution.id(), ExecutionState.CANCELLED, FailureReason.CANCELLED);
        report(c, execution, execution.attempt(), ExecutionState.CANCELLED, null, FailureReason.CANCELLED,
                "cancelled before it was assigned");
    }

    /**
     * Takes an attempt back from its worker (the worker refused or did not answer the assignment,
     * or was lost): requeued with attempt + 1 while attempts remain, else LOST. An execution whose
     * cancel was requested ends CANCELLED instead of running again.
     *
     * @return the state it ended in
     */
    public ExecutionState takeBack(Connection c, ExecutionRecord execution, FailureReason reason, String why)
            throws SQLException {
        if (execution.cancelRequested()) {
            ExecutionStateMachine.check(execution.state(), ExecutionState.CANCELLED);
            executions.setState(c, execution.id(), ExecutionState.CANCELLED, FailureReason.CANCELLED);
            report(c, execution, execution.attempt(), ExecutionState.CANCELLED, execution.workerId(),
                    FailureReason.CANCELLED, "cancelled; " + why);
            return ExecutionState.CANCELLED;
        }
        if (execution.attemptsLeft()) {
            ExecutionStateMachine.check(execution.state(), ExecutionState.QUEUED);
            if (!ExecutionStateMachine.startsNewAttempt(execution.state(), ExecutionState.QUEUED)) {
                throw new IllegalStateException("requeue of " + execution.id() + " must start a new attempt");
            }
            int next = execution.attempt() + 1;
            executions.requeue(c, execution.id(), next);
            report(c, execution, next, ExecutionState.QUEUED, null, null,
                    "attempt " + execution.attempt() + " taken back: " + why);
            LOG.infof("requeued %s as attempt %d: %s", execution.id(), next, why);
            return ExecutionState.QUEUED;
        }
        ExecutionStateMachine.check(execution.state(), ExecutionState.LOST);
        executions.setState(c, execution.id(), ExecutionState.LOST, reason);
        report(c, execution, execution.attempt(), ExecutionState.LOST, execution.workerId(), reason,
                "no attempts left (" + execution.maxAttempts() + "): " + why);
        LOG.infof("%s is LOST after %d attempts: %s", execution.id(), execution.attempt(), why);
        return ExecutionState.LOST;
    }

    /**
     * The orchestrator's own deadline for a RUNNING attempt whose worker never reported its
     * outcome (timeoutSeconds + grace have passed since the assignment): RUNNING → TIMED_OUT with
     * reason TIMEOUT. The script had its full time budget, so it is not run again.
     */
    public void timeOut(Connection c, ExecutionRecord execution, String why) throws SQLException {
        ExecutionStateMachine.check(execution.state(), ExecutionState.TIMED_OUT);
        executions.setState(c, execution.id(), ExecutionState.TIMED_OUT, FailureReason.TIMEOUT);
        report(c, execution, execution.attempt(), ExecutionState.TIMED_OUT, execution.workerId(),
                FailureReason.TIMEOUT, why);
        LOG.infof("%s attempt %d TIMED_OUT: %s", execution.id(), execution.attempt(), why);
    }

    /**
     * Applies a worker's report about the current attempt to the orchestrator's copy (the report
     * itself is already on the topic; nothing is published). Reports about other attempts, and
     * changes the state machine refuses (a duplicate, a late RUNNING after the outcome), are ignored.
     *
     * @return true when the copy changed
     */
    public boolean applyWorkerReport(Connection c, ExecutionRecord execution, ExecutionStatusChanged report)
            throws SQLException {
        if (report.attempt() != execution.attempt()) {
            LOG.debugf("ignoring %s report for attempt %d of %s (current %d)", report.state(), report.attempt(),
                    execution.id(), execution.attempt());
            return false;
        }
        if (!ExecutionStateMachine.canTransition(execution.state(), report.state())) {
            LOG.debugf("ignoring %s report for %s in %s", report.state(), execution.id(), execution.state());
            return false;
        }
        if (ExecutionStateMachine.startsNewAttempt(execution.state(), report.state())) {
            // Only the orchestrator requeues; a worker's QUEUED would mean a new attempt it cannot allocate.
            return false;
        }
        executions.setState(c, execution.id(), report.state(), report.reason());
        if (RAY_PLACEMENT.equals(execution.workerId()) && report.workerId() != null
                && !RAY_PLACEMENT.equals(report.workerId())) {
            // Ray placed it: now the orchestrator knows which agent holds it.
            executions.setWorker(c, execution.id(), report.workerId());
        }
        return true;
    }

    private void report(Connection c, ExecutionRecord execution, int attempt, ExecutionState state, String workerId,
                        FailureReason reason, String message) throws SQLException {
        outbox.append(c, new ExecutionStatusChanged(execution.id(), attempt, state, workerId, null, reason, message,
                ExecutionStatusChanged.ORCHESTRATOR, Instant.now()));
    }
}
