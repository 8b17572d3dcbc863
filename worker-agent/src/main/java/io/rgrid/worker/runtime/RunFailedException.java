package io.rgrid.worker.runtime;

import io.rgrid.model.FailureReason;

/** The run could not be started or supervised; {@link #reason()} says how to report it. */
public class RunFailedException extends Exception {

    private final FailureReason reason;

    public RunFailedException(FailureReason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public FailureReason reason() {
        return reason;
    }
}
