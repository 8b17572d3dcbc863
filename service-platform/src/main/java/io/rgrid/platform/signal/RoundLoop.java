package io.rgrid.platform.signal;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A background loop of rounds on one daemon thread. After a round that says it did work (and
 * more may be waiting) the next round starts at once; otherwise the loop waits for a
 * {@link #wake()} or the tick, whichever comes first (a wake-up that arrives during a round is
 * not lost: see {@link WakeSignal}). A round that throws a {@link RuntimeException} is handed to
 * the failure handler, which logs it and says how long to back off before the next round.
 * Interrupting the thread ends it. {@link #stop()} asks the loop to end after its current round
 * and waits for it up to a bound.
 */
public final class RoundLoop {

    private final String threadName;
    private final Duration stopWait;
    private final Supplier<Duration> tick;
    private final BooleanSupplier round;
    private final Function<RuntimeException, Duration> onFailure;
    private final WakeSignal signal = new WakeSignal();
    private volatile boolean running;
    private Thread thread;

    /**
     * @param threadName the thread's name
     * @param stopWait   how long {@link #stop()} waits for the thread to end
     * @param tick       how long an idle round waits at most before the next; asked before each wait
     * @param round      one round; true when it did work and the next round should start at once
     * @param onFailure  logs a round's failure; returns how long to wait (woken early by {@link #wake()})
     *                   before the next round
     */
    public RoundLoop(String threadName, Duration stopWait, Supplier<Duration> tick, BooleanSupplier round,
                     Function<RuntimeException, Duration> onFailure) {
        this.threadName = threadName;
        this.stopWait = stopWait;
        this.tick = tick;
        this.round = round;
        this.onFailure = onFailure;
    }

    /** Ends the current or next wait at once. */
    public void wake() {
        signal.wake();
    }

    /** True from {@link #start} until {@link #stop}. */
    public boolean running() {
        return running;
    }

    /** Starts the thread unless it is running. */
    public void start() {
        start(null);
    }

    /**
     * Starts the thread unless it is running.
     *
     * @param contextClassLoader the thread's context class loader; null to inherit the caller's
     */
    public synchronized void start(ClassLoader contextClassLoader) {
        if (running) {
            return;
        }
        running = true;
        thread = new Thread(this::loop, threadName);
        thread.setDaemon(true);
        if (contextClassLoader != null) {
            thread.setContextClassLoader(contextClassLoader);
        }
        thread.start();
    }

    /** Asks the loop to end and waits for its thread, at most the stop wait. */
    public synchronized void stop() {
        running = false;
        signal.wake();
        if (thread != null) {
            try {
                thread.join(stopWait.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            thread = null;
        }
    }

    private void loop() {
        while (running) {
            try {
                if (!round.getAsBoolean()) {
                    signal.await(tick.get());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                try {
                    signal.await(onFailure.apply(e));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
