package io.rgrid.model.agent;

import java.util.UUID;

/** The agent's acknowledgement: it holds this attempt and will report on it. */
public record AssignmentAccepted(UUID executionId, int attempt, String workerId) {
}
