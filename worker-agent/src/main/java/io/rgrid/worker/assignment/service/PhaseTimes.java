package io.rgrid.worker.assignment.service;

import java.util.Locale;

/**
 * Where an attempt's time went: each {@link #mark} closes a phase that began at the previous
 * mark (or at creation). Logged at DEBUG on the category {@code io.rgrid.worker.timings}, which
 * {@code bench/worker-overhead.sh} turns on to break the agent's overhead down.
 */
final class PhaseTimes {

    private final long start = System.nanoTime();
    private final StringBuilder phases = new StringBuilder();
    private long last = start;

    synchronized void mark(String phase) {
        long now = System.nanoTime();
        if (!phases.isEmpty()) {
            phases.append(", ");
        }
        phases.append(phase).append(' ').append(String.format(Locale.ROOT, "%.1f", (now - last) / 1e6)).append(" ms");
        last = now;
    }

    /** A phase that ran beside the others (its time is not added to the sequence): since {@code startNanos}. */
    synchronized void parallel(String phase, long startNanos) {
        if (!phases.isEmpty()) {
            phases.append(", ");
        }
        phases.append(phase).append("(parallel) ")
                .append(String.format(Locale.ROOT, "%.1f", (System.nanoTime() - startNanos) / 1e6)).append(" ms");
    }

    @Override
    public synchronized String toString() {
        return String.format(Locale.ROOT, "total %.1f ms: ", (last - start) / 1e6) + phases;
    }
}
