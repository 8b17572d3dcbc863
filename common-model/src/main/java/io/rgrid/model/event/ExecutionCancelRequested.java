package io.rgrid.model.event;

import java.time.Instant;
import java.util.UUID;

/** A user asked api-service to cancel an execution that had not ended. */
public record ExecutionCancelRequested(UUID executionId, String projectId, Instant requestedAt) implements Event {

    @Override
    public String key() {
        return executionId.toString();
    }
}
