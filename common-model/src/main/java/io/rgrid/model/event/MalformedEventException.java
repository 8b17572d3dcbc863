package io.rgrid.model.event;

/** A record on an RGrid topic that is not a well-formed event. Consumers log and skip it. */
public final class MalformedEventException extends RuntimeException {
    public MalformedEventException(String message, Throwable cause) {
        super(message, cause);
    }
}
