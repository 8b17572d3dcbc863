package io.rgrid.orchestrator.queue;

import io.rgrid.model.ExecutionState;
import io.rgrid.model.ExecutionStateMachine;
import io.rgrid.model.FailureReason;
import io.rgrid.model.event.Event;
import io.rgrid.model.event.ExecutionStatusChanged;
import io.rgrid.orchestrator.metrics.ClusterStats;
import io.rgrid.orchestrator.outbox.OutboxWriter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

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

    @Inject
    ClusterStats stats;

    /** QUEUED → ASSIGNED to {@code workerId}; the assignment is recorded before it is sent. */
    public void assign(Connection c, ExecutionRecord execution, String workerId) throws SQLException {
        ExecutionStateMachine.check(execution.state(), ExecutionState.ASSIGNED);
        executions.markAssigned(c, execution.id(), workerId);
        report(c, execution, execution.attempt(), ExecutionState.ASSIGNED, workerId, null, null);
    }

    /** One placement: a QUEUED execution (as read by the caller) and the worker it goes to. */
    public record Placement(ExecutionRecord execution, String workerId) {
    }

    /**
     * QUEUED → ASSIGNED for a batch of placements, with their events, in the caller's transaction:
     * one UPDATE for all of them and one batched outbox insert. An execution that is no longer
     * QUEUED with the same attempt (cancelled, changed since it was read) or that another
     * transaction holds locked is left alone.
     *
     * @return the placements that were recorded
     */
    public List<Placement> assignAll(Connection c, List<Placement> placements)
            throws SQLException {
        for (Placement placement : placements) {
            ExecutionStateMachine.check(placement.execution().state(), ExecutionState.ASSIGNED);
        }
        Set<UUID> claimed = executions.claimQueued(c, placements.stream()
                .map(p -> new ExecutionRepository.Claim(p.execution().id(), p.execution().attempt(), p.workerId()))
                .toList());
        List<Placement> recorded = placements.stream()
                .filter(p -> claimed.contains(p.execution().id())).toList();
        Instant now = Instant.now();
        outbox.appendAll(c, recorded.stream().<Event>map(p -> new ExecutionStatusChanged(
                p.execution().id(), p.execution().attempt(), ExecutionState.ASSIGNED, p.workerId(), null, null, null,
                ExecutionStatusChanged.ORCHESTRATOR, now)).toList());
        return recorded;
    }

    /** A user's cancel of an execution no worker holds: QUEUED → CANCELLED. */
    public void cancelQueued(Connection c, ExecutionRecord execution) throws SQLException {
        ExecutionStateMachine.check(execution.state(), ExecutionState.CANCELLED);
        executions.setState(c, execution.id(), ExecutionState.CANCELLED, FailureReason.CANCELLED);
        report(c, execution, execution.attempt(), ExecutionState.CANCELLED, null, FailureReason.CANCELLED,
                "cancelled before it was assigned");
    }

    /**
     * A queued execution no allowed machine type can hold any more (the allowed types changed or
     * one was withdrawn after it was accepted): QUEUED → FAILED with reason UNSCHEDULABLE, and
     * {@code why} names what the grid can run. Waiting would be for ever, and would keep the grid's
     * idle workers billed.
     */
    public void failUnschedulable(Connection c, ExecutionRecord execution, String why) throws SQLException {
        ExecutionStateMachine.check(execution.state(), ExecutionState.FAILED);
        executions.setState(c, execution.id(), ExecutionState.FAILED, FailureReason.UNSCHEDULABLE);
        report(c, execution, execution.attempt(), ExecutionState.FAILED, null, FailureReason.UNSCHEDULABLE, why);
        LOG.infof("%s FAILED (UNSCHEDULABLE): %s", execution.id(), why);
    }

    /**
     * Takes an attempt back from its worker (the worker refused or did not answer the assignment,
     * or was lost): requeued with attempt + 1 while attempts remain, else LOST. An execution whose
     * cancel was requested ends CANCELLED instead of running again. Counted in
     * {@code rgrid_attempt_takebacks_total{cause}} when decided (a transaction that then rolls back
     * and is retried counts twice).
     *
     * @return the state it ended in
     */
    public ExecutionState takeBack(Connection c, ExecutionRecord execution, FailureReason reason, TakeBackCause cause,
                                   String why) throws SQLException {
        stats.tookBack(cause.tag());
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
     * The worker refused the assignment before starting it (a 4xx: full, draining, fenced): ASSIGNED
     * → QUEUED with the <em>same</em> attempt, in its old place in the queue. The attempt never ran,
     * so it is not burned; the report (QUEUED at the same attempt) tells api-service the same.
     * Also an assignment the agent did not answer but confirmed, when fenced, that it does not hold.
     * Counted in {@code rgrid_attempt_takebacks_total{cause="refused"}}.
     */
    public void unassign(Connection c, ExecutionRecord execution, String why) throws SQLException {
        if (execution.state() != ExecutionState.ASSIGNED) {
            throw new IllegalStateException("only an ASSIGNED attempt can be unassigned, not " + execution.state());
        }
        if (execution.cancelRequested()) {
            takeBack(c, execution, FailureReason.CANCELLED, TakeBackCause.REFUSED, why); // ends CANCELLED
            return;
        }
        stats.tookBack(TakeBackCause.REFUSED.tag());
        executions.unassign(c, execution.id());
        report(c, execution, execution.attempt(), ExecutionState.QUEUED, null, null, why);
        LOG.infof("%s attempt %d back in the queue (not an attempt): %s", execution.id(), execution.attempt(), why);
    }

    /**
     * The worker's heartbeat lists this attempt finished with {@code outcome}: its terminal report
     * is in Kafka, only not applied yet. The orchestrator's copy takes the outcome now, so nothing
     * takes the attempt back meanwhile (a lost worker, the deadline, missing from heartbeats).
     * Nothing is published: api-service applies the report itself, and when the report reaches
     * the orchestrator it is a duplicate.
     *
     * @return true when the copy changed
     */
    public boolean applyListedOutcome(Connection c, ExecutionRecord execution, int attempt, ExecutionState outcome,
                                      FailureReason reason) throws SQLException {
        if (execution.attempt() != attempt || !ExecutionState.ON_WORKER.contains(execution.state())
                || outcome == null || !outcome.isTerminal()
                || ExecutionStateMachine.forwardPath(execution.state(), outcome).isEmpty()) {
            return false;
        }
        executions.setState(c, execution.id(), outcome, reason);
        LOG.infof("%s attempt %d %s, as its worker's heartbeat lists it (its report lags)", execution.id(), attempt,
                outcome);
        return true;
    }

    /**
     * The orchestrator's own deadline for a RUNNING attempt whose worker never reported its
     * outcome (timeoutSeconds + start-allowance + grace have passed since its RUNNING report, see
     * {@code health.DeadlineDecision}): RUNNING → TIMED_OUT with
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
        if (!acceptsWorkerReport(execution, report)) {
            return false;
        }
        executions.setState(c, execution.id(), report.state(), report.reason());
        learnRayWorker(c, execution, report);
        return true;
    }

    /** Ray placed the attempt: its agent's report names the worker that holds it, which is recorded. */
    private void learnRayWorker(Connection c, ExecutionRecord execution, ExecutionStatusChanged report)
            throws SQLException {
        if (RAY_PLACEMENT.equals(execution.workerId()) && report.workerId() != null
                && !RAY_PLACEMENT.equals(report.workerId())) {
            executions.setWorker(c, execution.id(), report.workerId());
        }
    }

    /**
     * {@link #applyWorkerReport} for the reports of one consumer poll, in one statement batch:
     * each report is judged against the execution as the reports before it left it (a RUNNING and
     * its outcome in the same poll both apply), and each changed execution is written once.
     *
     * @param locked  the executions the reports are about, read with {@link ExecutionRepository#lockAll}
     * @param reports in the order they were published
     * @return how many reports changed the copy
     */
    public int applyWorkerReports(Connection c, Map<UUID, ExecutionRecord> locked,
                                  List<ExecutionStatusChanged> reports) throws SQLException {
        Map<UUID, ExecutionRecord> current = new HashMap<>(locked);
        Map<UUID, ExecutionRepository.StateChange> changes = new LinkedHashMap<>();
        int applied = 0;
        for (ExecutionStatusChanged report : reports) {
            ExecutionRecord execution = current.get(report.executionId());
            if (execution == null) {
                LOG.debugf("report about unknown execution %s ignored", report.executionId());
                continue;
            }
            if (!acceptsWorkerReport(execution, report)) {
                continue;
            }
            current.put(execution.id(), execution.withState(report.state()));
            changes.put(execution.id(), new ExecutionRepository.StateChange(execution.id(), report.state(),
                    report.reason()));
            learnRayWorker(c, execution, report);
            applied++;
        }
        executions.setStates(c, List.copyOf(changes.values()));
        return applied;
    }

    /** Whether a worker's report may change the orchestrator's copy (attempt fencing, state machine). */
    private static boolean acceptsWorkerReport(ExecutionRecord execution, ExecutionStatusChanged report) {
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
        return true;
    }

    private void report(Connection c, ExecutionRecord execution, int attempt, ExecutionState state, String workerId,
                        FailureReason reason, String message) throws SQLException {
        outbox.append(c, new ExecutionStatusChanged(execution.id(), attempt, state, workerId, null, reason, message,
                ExecutionStatusChanged.ORCHESTRATOR, Instant.now()));
    }
}
