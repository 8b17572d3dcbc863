package io.rgrid.platform.messaging;

/**
 * Thrown out of {@link BatchConsumer#consume} when the service stops while a batch waits for its
 * next try: the batch is not acknowledged, so its offsets stay uncommitted and the group reads it
 * again after the restart.
 */
public class ConsumerStoppedException extends RuntimeException {

    private static volatile boolean thrown;

    public ConsumerStoppedException(String channel) {
        super("channel " + channel + " stopped before its batch was applied");
        thrown = true;
    }

    /** Whether one was thrown in this JVM: the service is stopping (for the log filter). */
    public static boolean anyThrown() {
        return thrown;
    }
}
