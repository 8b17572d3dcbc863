package io.rgrid.model.event;

import java.util.UUID;

/** Why a queued execution waits, with an estimate when there is one. */
public record ExecutionWaiting(UUID executionId, WaitReason reason, Integer etaSeconds, String detail) implements Event {

    @Override
    public String key() {
        return executionId.toString();
    }
}
