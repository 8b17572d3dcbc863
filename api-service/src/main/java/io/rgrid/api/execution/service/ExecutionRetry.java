package io.rgrid.api.execution.service;

import io.rgrid.api.auth.Principal;
import io.rgrid.api.error.ApiException;
import io.rgrid.api.execution.repository.ExecutionRecord;
import io.rgrid.api.metrics.ApiMetrics;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.Ids;
import io.rgrid.model.api.ErrorCode;
import io.rgrid.model.event.ExecutionSubmitted;
import jakarta.inject.Singleton;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

/**
 * A new execution with the same spec and files as one that ended; the files are copied inside
 * the bucket ({@link ExecutionFiles#copy}), so the new execution does not depend on the old one's
 * files staying. The new row names the old one ({@code retryOf}).
 */
@Singleton
public class ExecutionRetry {

    private final ExecutionService executions;
    private final CapacityCheck capacity;
    private final ExecutionFiles files;
    private final QueuedExecutions queued;
    private final ApiMetrics metrics;

    ExecutionRetry(ExecutionService executions, CapacityCheck capacity, ExecutionFiles files, QueuedExecutions queued,
                   ApiMetrics metrics) {
        this.executions = executions;
        this.capacity = capacity;
        this.files = files;
        this.queued = queued;
        this.metrics = metrics;
    }

    /** The new, QUEUED execution; 409 (INVALID_STATE) while the original has not ended or when its files are gone. */
    public ExecutionRecord retry(Principal principal, String rawId) {
        ExecutionRecord source = executions.find(principal, rawId);
        if (!source.state().isTerminal()) {
            throw new ApiException(ErrorCode.INVALID_STATE, "execution " + source.id() + " is " + source.state()
                    + "; only an execution that ended can be retried (cancel it first)");
        }
        capacity.check(source.spec());
        UUID id = Ids.newExecutionId();
        ExecutionKeys keys = ExecutionKeys.of(id, source.inputs(), source.hasRequirements());
        List<String> written = files.copy(source.id(), keys);
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        ExecutionRecord row = new ExecutionRecord(id, source.projectId(), ExecutionState.QUEUED, 1, source.spec(),
                source.scriptName(), source.inputs(), source.hasRequirements(), null, null, null, null, null, now, now,
                null, null, source.id(), null, null);
        ExecutionSubmitted event = SubmittedEvents.of(row);
        queued.commit(row, event, written, connection -> false);
        metrics.submitted("retry");
        return row;
    }
}
