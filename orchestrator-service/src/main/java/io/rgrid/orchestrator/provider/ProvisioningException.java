package io.rgrid.orchestrator.provider;

/** A worker could not be created; the message says why and, where it can, what to do about it. */
public class ProvisioningException extends Exception {
    public ProvisioningException(String message) {
        super(message);
    }

    public ProvisioningException(String message, Throwable cause) {
        super(message, cause);
    }
}
