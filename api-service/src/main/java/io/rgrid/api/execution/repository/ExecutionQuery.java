package io.rgrid.api.execution.repository;

import io.rgrid.model.ExecutionState;

import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * A listing of executions, newest first.
 *
 * @param projectId     only this project's executions, or null for all (the admin)
 * @param states        any of these states; empty for all
 * @param labels        every one of these labels (key = value)
 * @param createdSince  created at or after, or null
 * @param createdBefore created before, or null
 * @param after         the last row of the previous page (the cursor), or null for the first page
 * @param limit         rows per page
 */
public record ExecutionQuery(String projectId, Set<ExecutionState> states, Map<String, String> labels, Instant createdSince,
                             Instant createdBefore, Position after, int limit) {

    /** A place in the (created_at, id) order. */
    public record Position(Instant createdAt, UUID id) {
    }
}
