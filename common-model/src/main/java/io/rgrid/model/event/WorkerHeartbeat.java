package io.rgrid.model.event;

import io.rgrid.model.ExecutionState;
import io.rgrid.model.FailureReason;

import java.util.List;
import java.util.UUID;

/**
 * A worker-agent is alive. Sent every heartbeat interval (30 s by default); the first one
 * registers the worker with the orchestrator.
 *
 * @param address        base URL of the agent's HTTP API, as the orchestrator should call it
 * @param slots          executions it runs at once
 * @param freeCpus       CPUs not reserved by running executions
 * @param freeMemoryMb   memory not reserved by running executions
 * @param running        the attempts it holds now
 * @param finished       attempts it finished recently (the last 10 minutes, at most 256), each
 *                       only once Kafka acknowledged its terminal report, with that report's
 *                       outcome: the orchestrator applies the outcome to its copy when the report
 *                       itself lags, and never takes such an attempt back
 * @param runtime        "docker" or "process"
 * @param draining       true once it stopped taking work (SIGTERM)
 */
public record WorkerHeartbeat(
        String workerId,
        String address,
        int slots,
        double freeCpus,
        int freeMemoryMb,
        List<RunningAttempt> running,
        String agentVersion,
        String runtime,
        boolean draining,
        List<FinishedAttempt> finished) implements Event {

    public WorkerHeartbeat {
        running = running == null ? List.of() : List.copyOf(running);
        finished = finished == null ? List.of() : List.copyOf(finished);
    }

    /** A heartbeat that lists no finished attempt (an older agent's, or a test's). */
    public WorkerHeartbeat(String workerId, String address, int slots, double freeCpus, int freeMemoryMb,
                           List<RunningAttempt> running, String agentVersion, String runtime, boolean draining) {
        this(workerId, address, slots, freeCpus, freeMemoryMb, running, agentVersion, runtime, draining, List.of());
    }

    /** One attempt a worker holds. */
    public record RunningAttempt(UUID executionId, int attempt) {
    }

    /**
     * One attempt a worker finished, with the state and reason of its terminal report. Both are
     * null in the heartbeats of agents older than the field (they listed the attempt only).
     */
    public record FinishedAttempt(UUID executionId, int attempt, ExecutionState outcome, FailureReason reason) {
    }

    @Override
    public String key() {
        return workerId;
    }
}
