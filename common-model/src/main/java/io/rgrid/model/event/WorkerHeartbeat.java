package io.rgrid.model.event;

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
 *                       only once Kafka acknowledged its terminal report: the orchestrator waits for
 *                       that report instead of taking such an attempt back as missing
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
        List<RunningAttempt> finished) implements Event {

    public WorkerHeartbeat {
        running = running == null ? List.of() : List.copyOf(running);
        finished = finished == null ? List.of() : List.copyOf(finished);
    }

    /** A heartbeat that lists no finished attempt (an older agent's, or a test's). */
    public WorkerHeartbeat(String workerId, String address, int slots, double freeCpus, int freeMemoryMb,
                           List<RunningAttempt> running, String agentVersion, String runtime, boolean draining) {
        this(workerId, address, slots, freeCpus, freeMemoryMb, running, agentVersion, runtime, draining, List.of());
    }

    /** One attempt a worker holds (or, in {@code finished}, finished). */
    public record RunningAttempt(UUID executionId, int attempt) {
    }

    @Override
    public String key() {
        return workerId;
    }
}
