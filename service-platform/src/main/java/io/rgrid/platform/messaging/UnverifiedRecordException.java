package io.rgrid.platform.messaging;

/** A record whose signature does not prove the sender its event needs: dead-lettered, never applied. */
public class UnverifiedRecordException extends RuntimeException {

    public UnverifiedRecordException(String reason) {
        super("not verified: " + reason);
    }
}
