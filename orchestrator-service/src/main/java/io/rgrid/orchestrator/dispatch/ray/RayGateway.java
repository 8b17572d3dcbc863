package io.rgrid.orchestrator.dispatch.ray;

import java.time.Duration;
import java.util.List;

/**
 * The orchestrator's only view of Ray: JDK types only, so nothing of Ray is on the orchestrator's
 * class path. The implementation ({@code driver.RayDriverGateway}) and the installed Ray's
 * {@code ray_dist.jar} live in a child class loader ({@link RayGateways}). Every call comes from
 * one thread, the Ray dispatcher's.
 */
public interface RayGateway extends AutoCloseable {

    /**
     * Submits the Ray task for one attempt: {@code RgridRayTask.run(executionId, attempt,
     * assignmentJson)} asking for {@code cpus} CPUs, {@code memoryBytes} of Ray's {@code memory}
     * resource and one {@code rgrid_worker}.
     *
     * @param key names the task (Ray's task name) and identifies it in {@link #poll}
     */
    void submit(String key, String executionId, int attempt, double cpus, long memoryBytes, String assignmentJson);

    /**
     * Waits up to {@code timeout} for submitted tasks to end; each ended task is returned once and
     * forgotten.
     */
    List<Ended> poll(Duration timeout);

    /** Tasks submitted and not yet returned by {@link #poll}. */
    int pending();

    /** Disconnects the driver ({@code Ray.shutdown()}). */
    @Override
    void close();

    /**
     * A task that ended: either it returned ({@code outcome}, the task's own outcome string) or
     * Ray reports it failed ({@code failure}: its worker or node died, it was OOM-killed, …).
     */
    record Ended(String key, String outcome, String failure) {

        public boolean failed() {
            return failure != null;
        }
    }
}
