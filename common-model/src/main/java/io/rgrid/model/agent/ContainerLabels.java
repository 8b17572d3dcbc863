package io.rgrid.model.agent;

/**
 * The labels the worker agent puts on every container it starts (and, for the process runtime,
 * records in its pid files): a contract between the agent, which sets them, and the orchestrator's
 * local provider, which finds a dead agent's leftovers by them ({@code docker ps --filter label=…}).
 */
public final class ContainerLabels {

    public static final String EXECUTION_ID = "io.rgrid.execution-id";
    public static final String ATTEMPT = "io.rgrid.attempt";
    /** Whose container: an agent (or the orchestrator for a dead one) touches only its worker's. */
    public static final String WORKER_ID = "io.rgrid.worker-id";
    /** Set on agent steps that are not the script itself, e.g. {@code requirements}. */
    public static final String PHASE = "io.rgrid.phase";

    private ContainerLabels() {
    }
}
