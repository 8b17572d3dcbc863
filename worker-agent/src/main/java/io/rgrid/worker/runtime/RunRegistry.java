package io.rgrid.worker.runtime;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The runs a runtime is supervising, so {@link ContainerRuntime#kill} can reach them from another
 * thread. A kill may overtake the run it is for (a cancel racing the start): it then leaves a
 * marker that the run finds when it registers, and the run is stopped as soon as it has started.
 */
public final class RunRegistry {

    private final ConcurrentMap<String, Run> runs = new ConcurrentHashMap<>();

    public Run register(String runId) {
        return runs.computeIfAbsent(runId, id -> new Run());
    }

    public void unregister(String runId) {
        runs.remove(runId);
    }

    public void kill(String runId) {
        runs.computeIfAbsent(runId, id -> new Run()).kill();
    }

    /** One supervised run: whether a kill was asked for, and how to carry it out once it can be. */
    public static final class Run {

        private boolean killRequested;
        private Runnable killer;

        public synchronized boolean killRequested() {
            return killRequested;
        }

        /** Sets how to kill the run; kills at once when a kill is already pending. */
        public void onKill(Runnable action) {
            boolean now;
            synchronized (this) {
                killer = action;
                now = killRequested;
            }
            if (now) {
                action.run();
            }
        }

        void kill() {
            Runnable action;
            synchronized (this) {
                killRequested = true;
                action = killer;
            }
            if (action != null) {
                action.run();
            }
        }
    }
}
