package io.rgrid.api.outbox;

import jakarta.inject.Singleton;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Wakes the relay right after a transaction that wrote outbox rows committed, so an event's
 * latency is one Kafka send rather than a poll interval. Many wake-ups before the relay looks
 * collapse into one pass.
 */
@Singleton
public class OutboxSignal {

    private final Semaphore pending = new Semaphore(0);

    /** Call after the commit, never before: the relay must find the rows when it wakes. */
    public void wake() {
        pending.release();
    }

    /** @return true when woken, false when the timeout passed */
    boolean await(Duration timeout) throws InterruptedException {
        boolean woken = pending.tryAcquire(timeout.toMillis(), TimeUnit.MILLISECONDS);
        pending.drainPermits();
        return woken;
    }
}
