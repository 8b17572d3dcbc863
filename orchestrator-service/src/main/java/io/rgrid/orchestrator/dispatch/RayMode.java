package io.rgrid.orchestrator.dispatch;

/**
 * Ray dispatch mode as {@link Dispatcher} sees it (docs/ray.md): when {@link #active()}, it
 * dispatches instead of the dispatcher's own loop. Implemented by {@code dispatch.ray.RayDispatcher};
 * the interface keeps this package free of its Ray subpackage, which builds on it (issue 19).
 */
public interface RayMode {

    /** The worker id recorded for an attempt Ray is placing, until its agent reports RUNNING. */
    String PLACEMENT = "ray";

    /** True once the Ray driver is connected: dispatch goes through Ray. */
    boolean active();

    void wake();

    void start();

    void stop();

    /** Fences and requeues the attempts the previous orchestrator's Ray tasks were placing. */
    void recoverAtStart();
}
