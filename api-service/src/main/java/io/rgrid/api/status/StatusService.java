package io.rgrid.api.status;

import io.rgrid.api.config.RgridConfig;
import io.rgrid.api.execution.repository.ExecutionRecord;
import io.rgrid.api.execution.repository.ExecutionRepository;
import io.rgrid.api.execution.repository.TransitionRepository;
import io.rgrid.api.metrics.ApiMetrics;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.event.ExecutionStatusChanged;
import io.rgrid.model.storage.StorageKeys;
import io.rgrid.platform.db.Transactions;
import jakarta.enterprise.event.Event;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.Optional;

/** Applies status reports to the executions table, one transaction per report. */
@Singleton
public class StatusService {

    private static final Logger LOG = Logger.getLogger(StatusService.class);

    private final Transactions tx;
    private final ExecutionRepository executions;
    private final TransitionRepository transitions;

    private final Event<StateApplied> applied;
    private final ApiMetrics metrics;
    private final long logMaxBytes;

    public StatusService(Transactions tx, ExecutionRepository executions, TransitionRepository transitions,
                         Event<StateApplied> applied, ApiMetrics metrics,
                         RgridConfig config) {
        this.logMaxBytes = config.logs().maxBytes();
        this.applied = applied;
        this.metrics = metrics;
        this.tx = tx;
        this.executions = executions;
        this.transitions = transitions;
    }

    /**
     * @return the decision taken (empty for an unknown execution)
     * @throws io.rgrid.platform.db.DatabaseException when the database fails: the caller retries the report
     */
    public Optional<StatusDecision> apply(ExecutionStatusChanged received) {
        // No more of a log than the cap is served, so no more is recorded (a worker cuts its log there itself).
        ExecutionStatusChanged capped = received.logBytes() != null && received.logBytes() > logMaxBytes
                ? new ExecutionStatusChanged(received.executionId(), received.attempt(), received.state(), received.workerId(),
                received.exitCode(), received.reason(), received.message(), received.reportedBy(), received.at(), logMaxBytes,
                received.logLastSeq(), received.run())
                : received;
        // A run name becomes a segment of the keys the API reads: one that is not a run's name is dropped.
        ExecutionStatusChanged report = capped.run() == null || StorageKeys.isRun(capped.run()) ? capped : capped.withRun(null);
        if (report != capped) {
            LOG.warnf("status report for execution %s names an invalid run; applied without it (reported by %s)",
                    received.executionId(), received.reportedBy());
        }
        ExecutionRecord[] after = new ExecutionRecord[1];
        Optional<StatusDecision> result = tx.inTransaction(connection -> {
            Optional<ExecutionRecord> found = executions.findForUpdate(connection, report.executionId());
            if (found.isEmpty()) {
                LOG.warnf("status report for unknown execution %s (%s, attempt %d) ignored",
                        report.executionId(), report.state(), report.attempt());
                return Optional.empty();
            }
            ExecutionRecord row = found.get();
            StatusDecision decision = StatusDecision.decide(row.state(), row.attempt(), report);
            switch (decision) {
                case StatusDecision.Ignore ignore -> {
                    if (ignore.why() == StatusDecision.Why.ILLEGAL_TRANSITION) {
                        LOG.warnf("status report for execution %s ignored: %s (reported by %s)",
                                report.executionId(), ignore.detail(), report.reportedBy());
                    } else {
                        LOG.debugf("status report for execution %s ignored: %s", report.executionId(), ignore.detail());
                    }
                }
                case StatusDecision.Apply apply -> {
                    Instant now = Instant.now();
                    Instant at = report.at() == null ? now : report.at();
                    after[0] = next(row, apply, report, at, now);
                    executions.updateStatus(connection, after[0]);
                    String reportedBy = report.reportedBy() == null ? "unknown" : report.reportedBy();
                    ExecutionState from = apply.from();
                    for (ExecutionState entered : apply.path()) {
                        transitions.append(connection, new TransitionRepository.Transition(
                                row.id(), apply.attempt(), from, entered, at, reportedBy, report.run()));
                        from = entered;
                    }
                    LOG.debugf("execution %s: %s → %s (attempt %d)", row.id(), apply.from(), apply.to(), apply.attempt());
                }
            }
            return Optional.of(decision);
        });
        if (after[0] != null) {
            // After the commit: followers of the log may end their stream, metrics count the change.
            metrics.stateEntered(after[0].state());
            applied.fire(new StateApplied(after[0]));
        }
        return result;
    }

    /** The row after an applied report. */
    static ExecutionRecord next(ExecutionRecord row, StatusDecision.Apply apply, ExecutionStatusChanged report,
                                Instant at, Instant now) {
        ExecutionState to = apply.to();
        // A new attempt starts clean: nothing of the previous attempt's worker or outcome carries over.
        String workerId = apply.newAttempt() ? null : row.workerId();
        Integer exitCode = apply.newAttempt() ? null : row.exitCode();
        Instant startedAt = apply.newAttempt() ? null : row.startedAt();
        if (to != ExecutionState.QUEUED && report.workerId() != null) {
            workerId = report.workerId();
        }
        if (to == ExecutionState.QUEUED) {
            workerId = null;
        }
        if (to == ExecutionState.RUNNING || (startedAt == null && apply.path().contains(ExecutionState.RUNNING))) {
            startedAt = at; // when RUNNING was overtaken by the outcome, its report's time is the best known
        }
        Instant finishedAt = null;
        // The stored log's length comes with the worker's terminal report of this attempt only.
        Long logBytes = apply.newAttempt() ? null : row.logBytes();
        Long logLastSeq = apply.newAttempt() ? null : row.logLastSeq();
        if (to.isTerminal()) {
            finishedAt = at;
            exitCode = report.exitCode();
            if (report.logBytes() != null) {
                logBytes = report.logBytes();
                logLastSeq = report.logLastSeq();
            }
        }
        return new ExecutionRecord(row.id(), row.projectId(), to, apply.attempt(), row.spec(), row.scriptName(), row.inputs(),
                row.hasRequirements(), workerId, exitCode, to.isTerminal() ? report.reason() : null, report.message(),
                row.cancelRequestedAt(), row.createdAt(), now, startedAt, finishedAt, row.retryOf(), logBytes, logLastSeq);
    }
}
