package io.rgrid.model.event;

import io.rgrid.model.ExecutionState;
import io.rgrid.model.FailureReason;

import java.time.Instant;
import java.util.UUID;

/**
 * An execution's attempt reached a new state. The orchestrator reports ASSIGNED, requeues
 * (state QUEUED with the new attempt), LOST, CANCELLED of queued work and of an attempt it takes
 * back after a cancel request, and TIMED_OUT of a RUNNING attempt whose worker reported no outcome
 * by the deadline plus grace; a worker reports RUNNING and the terminal outcome of an attempt it
 * ran (docs/state-machine.md, "Who reports what").
 *
 * @param attempt    the attempt this report is about; a report for an older attempt never
 *                   overwrites a newer one
 * @param workerId   the worker holding the attempt, when there is one
 * @param exitCode   the script's exit code, for outcomes of a script that ran
 * @param reason     why it ended, for terminal states other than SUCCEEDED
 * @param message    a human-readable detail
 * @param reportedBy "orchestrator" or the reporting worker's id
 * @param logBytes   for a worker's terminal report: the byte length of the attempt's stored log,
 *                   so that whoever shows the log can tell it is complete (null when no log was
 *                   stored, and in every other report)
 * @param logLastSeq with {@code logBytes}: the seq of the attempt's last live log chunk (-1: none)
 * @param run        in a worker's reports (RUNNING and the outcome): the run of the attempt they are
 *                   about, whose objects are under {@code StorageKeys.runPrefix}; the outcome names
 *                   the run whose log and outputs count. Null in the orchestrator's reports and in
 *                   those of workers from before runs (their objects are in the old layout)
 */
public record ExecutionStatusChanged(
        UUID executionId,
        int attempt,
        ExecutionState state,
        String workerId,
        Integer exitCode,
        FailureReason reason,
        String message,
        String reportedBy,
        Instant at,
        Long logBytes,
        Long logLastSeq,
        String run) implements Event {

    public static final String ORCHESTRATOR = "orchestrator";

    /** A report that says nothing of the log: every report but a worker's terminal one. */
    public ExecutionStatusChanged(UUID executionId, int attempt, ExecutionState state, String workerId, Integer exitCode,
                                  FailureReason reason, String message, String reportedBy, Instant at) {
        this(executionId, attempt, state, workerId, exitCode, reason, message, reportedBy, at, null, null, null);
    }

    /** A report with the stored log's length that names no run (the layout before runs). */
    public ExecutionStatusChanged(UUID executionId, int attempt, ExecutionState state, String workerId, Integer exitCode,
                                  FailureReason reason, String message, String reportedBy, Instant at, Long logBytes,
                                  Long logLastSeq) {
        this(executionId, attempt, state, workerId, exitCode, reason, message, reportedBy, at, logBytes, logLastSeq, null);
    }

    /** This report with the stored log's length and its last chunk's seq. */
    public ExecutionStatusChanged withLog(long bytes, long lastSeq) {
        return new ExecutionStatusChanged(executionId, attempt, state, workerId, exitCode, reason, message, reportedBy, at,
                bytes, lastSeq, run);
    }

    /** This report about the run {@code run} of its attempt. */
    public ExecutionStatusChanged withRun(String run) {
        return new ExecutionStatusChanged(executionId, attempt, state, workerId, exitCode, reason, message, reportedBy, at,
                logBytes, logLastSeq, run);
    }

    @Override
    public String key() {
        return executionId.toString();
    }
}
