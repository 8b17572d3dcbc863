package io.rgrid.api.execution.service;

import io.rgrid.api.execution.repository.ExecutionRecord;
import io.rgrid.model.event.ExecutionSubmitted;

/** The {@code ExecutionSubmitted} event that announces an execution row (attempt 1, submitted at its creation). */
public final class SubmittedEvents {

    private SubmittedEvents() {
    }

    /** The same event whether built at the submission or again later (the reconciliation's re-announcement). */
    public static ExecutionSubmitted of(ExecutionRecord row) {
        ExecutionKeys keys = ExecutionKeys.of(row.id(), row.inputs(), row.hasRequirements());
        return new ExecutionSubmitted(row.id(), row.projectId(), 1, row.spec(), keys.script(), keys.inputs(),
                keys.requirements(), row.createdAt());
    }
}
