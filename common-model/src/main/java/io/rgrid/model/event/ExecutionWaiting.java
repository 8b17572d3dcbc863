package io.rgrid.model.event;

import java.util.UUID;

/**
 * Why a queued execution waits, with an estimate when there is one.
 *
 * @param serverType the machine type being provisioned for it (PROVISIONING) or whose worker it waits
 *                   for; null when none applies, and in events from before the field existed
 */
public record ExecutionWaiting(UUID executionId, WaitReason reason, Integer etaSeconds, String detail,
                               String serverType) implements Event {

    /** A reason that names no machine type. */
    public ExecutionWaiting(UUID executionId, WaitReason reason, Integer etaSeconds, String detail) {
        this(executionId, reason, etaSeconds, detail, null);
    }

    @Override
    public String key() {
        return executionId.toString();
    }
}
