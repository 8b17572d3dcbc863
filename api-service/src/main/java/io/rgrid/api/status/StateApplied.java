package io.rgrid.api.status;

import io.rgrid.api.execution.repository.ExecutionRecord;

/** CDI event fired after a status report's transaction committed: the row as it is now. */
public record StateApplied(ExecutionRecord row) {
}
